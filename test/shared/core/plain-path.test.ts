/**
 * The plain-path fast path of the path rules: it may only accept what the full rules accept (it
 * decides most paths of a 10,000-file work unit), and the bulk check of a built pack's lists only
 * what the pack schema accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullCommonProblem, isPlainPath, workspacePathProblem } from '../../../shared/core/paths.js';
import { plainPackListsValid, RequiredFile } from '../../../shared/core/schema/work-unit-pack.js';
import { sortedSet, Source } from '../../../shared/core/schema/common.js';

// Characters that matter to the rules: separators, dots, colons, backslashes, controls, non-ASCII.
const tricky = fc.constantFrom('a', 'Z', '0', '_', '-', '.', '/', '\\', ':', ' ', '\u0000', '\u001f', '\u200b', 'é', 'e\u0301', '\ud800', '~', '*');
const pathLike = fc.array(tricky, { maxLength: 12 }).map((chars) => chars.join(''));

describe('plain paths', () => {
  it('are only ever paths the full rules accept', () => {
    fc.assert(
      fc.property(fc.oneof(pathLike, fc.string(), fc.stringMatching(/^[A-Za-z0-9._\/-]{0,20}$/)), (p) => {
        if (isPlainPath(p)) expect(fullCommonProblem(p)).toBeUndefined();
        expect(workspacePathProblem(p)).toBe(fullCommonProblem(p));
      }),
      { numRuns: 5000 },
    );
  });

  it('cover the common shapes and leave the rest to the full rules', () => {
    for (const p of ['src/a.js', '.ctxpack/roles/coder.yaml', 'a/.hidden/b', 'x..y/z', 'a-b_c.d']) expect(isPlainPath(p)).toBe(true);
    for (const p of ['', '.', '..', './a', 'a/.', 'a/..', '../a', 'a//b', 'a/', '/a', 'C:x', 'a\\b', 'é', 'a b']) expect(isPlainPath(p)).toBe(false);
    expect(isPlainPath('a'.repeat(1025))).toBe(false);
  });

  it('make the bulk check of a pack\'s lists accept only what the schema accepts', () => {
    const hash = fc.oneof(fc.constant(`sha256:${'a'.repeat(64)}`), fc.constant('sha256:x'), fc.constant(`sha256:${'B'.repeat(64)}`));
    const file = fc.record({ bytes: fc.oneof(fc.nat(), fc.constant(-1), fc.constant(1.5)), path: fc.oneof(pathLike, fc.constantFrom('src/a.js', 'src/b.js', 'c')), sha256: hash });
    const source = fc.record({ source_hash: hash, source_id: fc.oneof(fc.constantFrom('file:src/a.js', 'role:x', 'bad:x', 'file:../x', 'codex:docs/c.md'), pathLike) });
    const files = sortedSet(RequiredFile, (f) => f.path, 'path');
    const sources = sortedSet(Source, (s) => s.source_id, 'source_id');
    fc.assert(
      fc.property(fc.array(file, { maxLength: 5 }), fc.array(source, { maxLength: 5 }), fc.boolean(), fc.boolean(), (fs, ss, sort, mirror) => {
        const f = sort ? [...fs].sort((a, b) => (a.path < b.path ? -1 : 1)) : fs;
        // As a builder makes them: each required file also a `file:` source with its hash (the checks
        // skip those), among the others.
        const withFiles = mirror ? [...ss, ...fs.map((x) => ({ source_hash: x.sha256, source_id: `file:${x.path}` }))] : ss;
        const s = sort ? [...withFiles].sort((a, b) => (a.source_id < b.source_id ? -1 : 1)) : withFiles;
        if (plainPackListsValid(f, s, isPlainPath)) {
          expect(files.safeParse(f).success).toBe(true);
          expect(sources.safeParse(s).success).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('check a file source in full when it differs from its required file', () => {
    const good = `sha256:${'a'.repeat(64)}`;
    const files = [{ bytes: 1, path: 'src/a.js', sha256: good }];
    expect(plainPackListsValid(files, [{ source_hash: good, source_id: 'file:src/a.js' }], isPlainPath)).toBe(true);
    for (const source of [
      { source_hash: 'sha256:x', source_id: 'file:src/a.js' },
      { source_hash: good, source_id: 'file:src/a.js/' },
      { source_hash: good, source_id: 'nope:src/a.js' },
      { source_hash: good, source_id: 'file:../a.js' },
    ]) {
      expect(plainPackListsValid(files, [source], isPlainPath), source.source_id).toBe(false);
    }
  });
});
