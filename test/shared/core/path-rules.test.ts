import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackPathRejected } from '../../../shared/core/errors.js';
import {
  assertWorkspaceGlob,
  assertWorkspacePath,
  globProblem,
  MAX_PATH_BYTES,
  type PathRule,
  workspacePathProblem,
} from '../../../shared/core/paths.js';

const FIELD = 'roles.coder.lock_set.write[2]';

/** Calls `fn`, expecting a PackPathRejected; returns it. */
function rejection(fn: () => unknown): PackPathRejected {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PackPathRejected);
    return err as PackPathRejected;
  }
  throw new Error('expected PackPathRejected, nothing was thrown');
}

const ATTACKS: [label: string, value: string, rule: PathRule][] = [
  ['an absolute path', '/etc/passwd', 'absolute'],
  ['a drive letter with a backslash', 'C:\\x', 'drive-letter'],
  ['a lowercase drive letter with a slash', 'c:/x', 'drive-letter'],
  ['a drive-relative path', 'D:x', 'drive-letter'],
  ['a UNC share with backslashes', '\\\\server\\share', 'unc'],
  ['a UNC share with slashes', '//server/share', 'unc'],
  ['a Win32 device path', '\\\\?\\C:\\x', 'unc'],
  ['a leading ..', '../x', 'dot-dot'],
  ['.. after a segment', 'a/../../x', 'dot-dot'],
  ['.. alone', '..', 'dot-dot'],
  ['a trailing ..', 'a/..', 'dot-dot'],
  ['a . segment', 'a/./b', 'dot-segment'],
  ['a leading ./', './a', 'dot-segment'],
  ['. alone', '.', 'dot-segment'],
  ['a doubled slash', 'a//b', 'empty-segment'],
  ['a trailing slash', 'src/', 'empty-segment'],
  ['a backslash separator', 'src\\main.ts', 'backslash'],
  ['a backslash .. escape', '..\\x', 'backslash'],
  ['a NUL byte', 'a\u0000b', 'nul-byte'],
  ['a newline', 'a\nb', 'control-char'],
  ['an escape character', 'a\u001b[31mb', 'control-char'],
  ['DEL', 'a\u007fb', 'control-char'],
  ['a C1 control', 'a\u0085b', 'control-char'],
  ['a bidi override', 'a\u202eb', 'control-char'],
  ['NFD (e + combining acute)', 'cafe\u0301.md', 'not-nfc'],
  ['a lone surrogate', 'a\ud800b', 'not-nfc'],
  ['the empty string', '', 'empty'],
  ['an overly long path', `${'a/'.repeat(600)}x`, 'too-long'],
  ['a path just over the limit in UTF-8 bytes', 'é'.repeat(MAX_PATH_BYTES / 2 + 1), 'too-long'],
];

describe('workspace path rules', () => {
  it.each(ATTACKS)('refuses %s', (_label, value, rule) => {
    expect(workspacePathProblem(value)).toBe(rule);
    const error = rejection(() => assertWorkspacePath(value, FIELD));
    // The field and the rule, never the value (#14): a path is authored data and could be a token.
    expect(error.details).toEqual({ field: FIELD, rule });
    expect(error.message.startsWith(`${FIELD}: the path `)).toBe(true);
    if (value.length > 2) expect(error.message).not.toContain(value);
    expect(error.message).toContain(`(rule ${rule})`);
    expect(error.fix.length).toBeGreaterThan(10);
    expect(error.toOneLine()).toContain(error.fix);
  });

  it('words a dot-dot refusal as the documented example', () => {
    const error = rejection(() => assertWorkspaceGlob('../secrets/**', FIELD));
    expect(error.message).toBe(`${FIELD}: the path escapes the workspace (rule dot-dot)`);
    expect(error.fix).toBe("use a path relative to the workspace root, without '..'");
    expect(error.code).toBe('PackPathRejected');
  });

  it('says "ends with /" for a trailing slash', () => {
    expect(rejection(() => assertWorkspacePath('src/', 'f')).message).toBe(`f: the path ends with '/' (rule empty-segment)`);
  });

  it.each([
    'src/main.ts',
    '.ctxpack/roles/coder.yaml',
    'caf\u00e9.md', // NFC é
    'a..b/c...d/...',
    'name with spaces/x',
    '~/not-home',
    'weird:colon',
    '日本語/ファイル.txt',
    'emoji/\u{1F600}.md',
    'a'.repeat(MAX_PATH_BYTES),
  ])('accepts %j unchanged', (value) => {
    expect(workspacePathProblem(value)).toBeUndefined();
    expect(assertWorkspacePath(value, FIELD)).toBe(value);
  });

  it('treats NFC and NFD spellings differently: NFC accepted, NFD refused', () => {
    const nfc = 'docs/r\u00e9sum\u00e9.md';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    expect(workspacePathProblem(nfc)).toBeUndefined();
    expect(workspacePathProblem(nfd)).toBe('not-nfc');
  });

  it('never throws, and anything accepted stays inside a root and is already normal (property)', () => {
    const root = '/srv/workspace';
    const pathish = fc
      .array(fc.constantFrom('a', 'b', '.', '..', '/', '\\', ':', 'C', '\u0000', '\n', 'e\u0301', '\u00e9', '*', ' ', '\ud800'), {
        maxLength: 12,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), pathish), (p) => {
        const rule = workspacePathProblem(p);
        globProblem(p);
        if (rule !== undefined) return;
        expect(path.posix.normalize(p)).toBe(p);
        const joined = path.posix.join(root, p);
        expect(joined.startsWith(`${root}/`)).toBe(true);
        expect(path.posix.relative(root, joined).split('/')).not.toContain('..');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('glob rules', () => {
  it.each([
    ['../**', 'dot-dot'],
    ['src/../../**', 'dot-dot'],
    ['{..,src}/**', 'dot-dot'],
    ['@(..|src)/x', 'dot-dot'],
    ['!../x', 'dot-dot'],
    ['/etc/**', 'absolute'],
    ['C:/**', 'drive-letter'],
    ['//host/**', 'unc'],
    ['src\\**', 'backslash'],
    ['src/./**', 'dot-segment'],
    ['src//**', 'empty-segment'],
    ['src/', 'empty-segment'],
    ['', 'empty'],
  ] as [string, PathRule][])('refuses %j (rule %s)', (glob, rule) => {
    expect(globProblem(glob)).toBe(rule);
    const error = rejection(() => assertWorkspaceGlob(glob, 'roles.coder.lock_set.read[0]'));
    expect(error.message).toContain('roles.coder.lock_set.read[0]');
    if (glob.length > 0) expect(error.message).not.toContain(JSON.stringify(glob));
    expect(error.message).toContain(`rule ${rule}`);
  });

  it.each(['src/**/*.ts', '**', '**/*', '*.{ts,js}', 'src/[a-z]*.ts', '.ctxpack/**', '!src/generated/**', 'file{1..3}.txt', '+(a|b).md'])(
    'accepts %j',
    (glob) => {
      expect(globProblem(glob)).toBeUndefined();
      expect(assertWorkspaceGlob(glob, 'g')).toBe(glob);
    },
  );
});
