/**
 * Provenance positives (#14): every item carries the refs it was built from, an item stated in two
 * sources is one item listing both, and `sources_hash` is the hash of `sources`. And a secret in
 * verification output (feedback, not from the pack) is scrubbed again before a cloud request.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblePacks } from '../../../shared/engine/assemble/index.js';
import { hashCanonical } from '../../../shared/engine/hash.js';
import { renderInvocation } from '../../../shared/engine/projection.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { POSITIVES } from './redact/corpus.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});

describe('provenance', () => {
  it('gives each item its refs, merges one statement from two sources into one item listing both, and hashes sources', async () => {
    const dir = await copyExampleWorkspace('prov');
    made.push(dir);
    const shared = 'Config files are read once at start-up; parseConfig is the only entry point.';
    const notes = path.join(dir, 'docs/notes/wp-7.md');
    const text = await readFile(notes, 'utf8');
    await writeFile(notes, text.replace('## Facts\n', `## Facts\n- ${shared}\n`));
    const { workUnit } = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
    const pack = workUnit.pack;
    const items = [...pack.payload.facts, ...pack.payload.constraints, ...pack.payload.open_loops];
    const sourceIds = new Set(pack.sources.map((s) => s.source_id));
    for (const item of items) {
      expect(item.source_refs.length, item.id).toBeGreaterThan(0);
      for (const ref of item.source_refs) expect(sourceIds.has(ref.source_id), `${item.id} cites ${ref.source_id}`).toBe(true);
    }
    // The notes fact sits on line 6 of the notes; the items file cites src/config.js line 1.
    const merged = pack.payload.facts.find((f) => f.text === shared);
    expect(merged?.source_refs).toEqual([
      { source_id: 'context:docs/notes/wp-7.md', line: 6 },
      { source_id: 'file:src/config.js', line: 1 },
    ]);
    expect(pack.payload.facts.filter((f) => f.text === shared)).toHaveLength(1);
    // A notes item cites its own line.
    const port = pack.payload.facts.find((f) => f.text.startsWith('The default port'));
    expect(port?.source_refs).toEqual([{ source_id: 'context:docs/notes/wp-7.md', line: 8 }]);
    expect(pack.sources_hash).toBe(hashCanonical(pack.sources));
  });

  it('scrubs a secret in verification output again before a cloud request, and marks invisible characters for every provider', async () => {
    const dir = await copyExampleWorkspace('prov-feedback');
    made.push(dir);
    const packs = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
    const kind = POSITIVES.find((c) => c.rule === 'github-token');
    const secret = kind?.secrets[0] ?? '';
    expect(secret.length).toBeGreaterThan(20);
    const target = {
      rolePack: packs.role.pack,
      rolePackHash: packs.role.hash,
      workUnitPack: packs.workUnit.pack,
      workUnitPackHash: packs.workUnit.hash,
      microTaskId: 'MT-7.1',
      feedback: `test failed: fetch with ${secret} returned 401\u202e`,
    };
    const cloud = await renderInvocation(target, 'cloud');
    const sent = cloud.rendering.messages.map((m) => m.content).join('\n');
    expect(sent).not.toContain(secret);
    expect(sent).toContain('[REDACTED:github-token]');
    expect(cloud.projection?.counts['github-token']).toBe(1);
    const local = await renderInvocation(target, 'local');
    const localText = local.rendering.messages.map((m) => m.content).join('\n');
    expect(localText).not.toContain('\u202e');
    expect(localText).toContain('[U+202E]');
  });
});
