/**
 * The parse cache (shared/engine/parse-cache.ts): a kept parse is what a new parse of the same bytes
 * gives, a change on disk is parsed again, a damaged store artifact still fails its hash check, errors
 * are never kept, kept values are frozen, and the cache stays within its bounds.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadRunArtifact } from '../../../activities/run-artifacts.js';
import { canonicalBytes } from '../../../shared/core/canonical.js';
import { assemblePacks, loadProviderRegistry, PROVIDERS_FILE } from '../../../shared/engine/assemble/index.js';
import { loadPack, verifyPackBytes } from '../../../shared/engine/pack-io.js';
import { ParseCache, parseCache } from '../../../shared/engine/parse-cache.js';
import { FilePackStore } from '../../../shared/engine/store/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const errorOf = async (run: () => Promise<unknown>) => run().then(() => undefined, (err: Error & { code?: string }) => ({ code: err.code, message: err.message }));

describe('the parse cache', () => {
  it('gives the same value a new parse gives, and parses a changed file again', async () => {
    const dir = await copyExampleWorkspace('parse-cache-inputs');
    const ws = await Workspace.open(dir);
    const first = await loadProviderRegistry(ws);
    parseCache.clear();
    const fresh = await loadProviderRegistry(ws);
    const again = await loadProviderRegistry(ws);
    expect(parseCache.stats).toEqual({ hits: 1, misses: 1 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(JSON.stringify(fresh)).toBe(JSON.stringify(first));
    const file = path.join(dir, PROVIDERS_FILE);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/context_window: (\d+)/, (_m, n: string) => `context_window: ${Number(n) + 1}`));
    const changed = await loadProviderRegistry(ws);
    expect(changed?.hash).not.toBe(first?.hash);
    expect(JSON.stringify(changed?.value)).not.toBe(JSON.stringify(first?.value));
    expect(parseCache.stats.misses).toBe(2);
  });

  it('never keeps an error: the same bad input fails again, the fixed input parses', async () => {
    const dir = await copyExampleWorkspace('parse-cache-errors');
    const ws = await Workspace.open(dir);
    const file = path.join(dir, PROVIDERS_FILE);
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\nproviders: []\n`); // a repeated key
    const first = await errorOf(() => loadProviderRegistry(ws));
    const second = await errorOf(() => loadProviderRegistry(ws));
    expect(first?.code).toBe('PackSchemaInvalid');
    expect(second).toEqual(first);
    await writeFile(file, good);
    expect((await loadProviderRegistry(ws))?.value.providers.length).toBeGreaterThan(0);
  });

  it('checks a stored pack\'s hash on every read: a damaged artifact fails even when its parse is kept', async () => {
    const dir = await copyExampleWorkspace('parse-cache-store');
    const ws = await Workspace.open(dir);
    const packs = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
    await store.put(packs.workUnit.bytes);
    const loaded = await loadPack(store, packs.workUnit.hash);
    expect(Buffer.from(loaded.bytes).equals(Buffer.from(packs.workUnit.bytes))).toBe(true);
    const hex = packs.workUnit.hash.slice('sha256:'.length);
    const shard = path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2));
    const [name] = (await readdir(shard)).filter((n) => n.startsWith(hex));
    const damaged = Buffer.from(packs.workUnit.bytes);
    damaged.writeUInt8((damaged.at(-2) as number) ^ 1, damaged.length - 2);
    await writeFile(path.join(shard, name as string), damaged);
    const failure = await errorOf(() => loadPack(store, packs.workUnit.hash));
    expect(failure?.code).toBe('ContextPackArtifactCorrupt');
    expect(() => verifyPackBytes(damaged, packs.workUnit.hash)).toThrow(/hash/);
  });

  it('freezes kept values, so one caller cannot change what the next one gets', async () => {
    const dir = await copyExampleWorkspace('parse-cache-frozen');
    const ws = await Workspace.open(dir);
    const registry = await loadProviderRegistry(ws);
    const providers = registry?.value.providers as unknown as { id: string }[];
    expect(() => {
      (providers[0] as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    expect(() => providers.push({ id: 'extra' })).toThrow(TypeError);
  });

  it('stays within its bounds and parses large inputs every time', () => {
    const cache = new ParseCache({ maxEntries: 3, maxBytes: 100, maxEntryBytes: 50 });
    let parses = 0;
    const parse = () => ({ n: (parses += 1) });
    for (const key of ['a', 'b', 'c', 'd']) cache.get('k', key, 10, parse);
    expect(parses).toBe(4);
    cache.get('k', 'a', 10, parse); // evicted (least recently used): parsed again
    expect(parses).toBe(5);
    cache.get('k', 'd', 10, parse); // still kept
    expect(parses).toBe(5);
    cache.get('k', 'big', 60, parse);
    cache.get('k', 'big', 60, parse);
    expect(parses).toBe(7);
    cache.get('other', 'd', 10, parse); // another kind of parse of the same bytes is its own entry
    expect(parses).toBe(8);
  });
  it('keys a run artifact\'s parse by its schema, not by the label a caller gives it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-parse-cache-run-'));
    try {
      const store = new FilePackStore(dir);
      const { hash } = await store.put(canonicalBytes({ n: 2 }));
      const doubled = z.object({ n: z.number() }).transform(({ n }) => ({ n: n * 2 }));
      const plain = z.object({ n: z.number() });
      // The same bytes and the same label through two schemas: each gives its own parse.
      expect(await loadRunArtifact(store, hash, doubled, 'artifact')).toEqual({ n: 4 });
      expect(await loadRunArtifact(store, hash, plain, 'artifact')).toEqual({ n: 2 });
      expect(await loadRunArtifact(store, hash, doubled, 'artifact')).toEqual({ n: 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
