import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  flushHashCache,
  forgetHashCache,
  HASH_CACHE_DIR,
  HASH_CACHE_FILE,
  hashCacheStats,
  hashFileCached,
  hashFilesCached,
} from '../../../shared/engine/assemble/hash-cache/index.js';
import { assemblePacks, assemblyMemo } from '../../../shared/engine/assemble/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const run = promisify(execFile);
const sha = (content: string | Buffer) => `sha256:${createHash('sha256').update(content).digest('hex')}`;

/** A fresh workspace (with a `.ctxpack/` folder) holding `files`. */
async function workspaceWith(files: Record<string, string>): Promise<{ root: string; ws: Workspace }> {
  const parent = await realpath(await mkdtemp(path.join(tmpdir(), 'ctxpack-hash-cache-')));
  const root = path.join(parent, 'ws');
  await mkdir(path.join(root, '.ctxpack'), { recursive: true });
  await writeFile(path.join(parent, 'outside.txt'), 'outside the workspace\n');
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
  return { root, ws: await Workspace.open(root) };
}

/**
 * Waits until changes made so far are older than the file system's timestamp granularity, so the
 * cache may store them (files changed within it are never stored). 2 s on whole-second file systems.
 */
async function settle(root: string): Promise<void> {
  const probe = path.join(root, '.settle-probe');
  await writeFile(probe, '');
  const { mtimeNs } = await stat(probe, { bigint: true });
  await sleep(mtimeNs % 1_000_000_000n === 0n ? 2100 : 30);
}

/** The rejection of `promise`, or a failure when it resolves. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('the file hash cache', () => {
  it('serves an unchanged file from the cache, with the same result as Workspace.hashFile', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'export const a = 1;\n' });
    await settle(root);
    const first = await hashFileCached(ws, 'src/a.js', 'f');
    const second = await hashFileCached(ws, 'src/a.js', 'f');
    expect(first).toEqual(await ws.hashFile('src/a.js', 'f'));
    expect(second).toEqual(first);
    expect(hashCacheStats(ws)).toMatchObject({ misses: 1, hits: 1, entries: 1 });
  });

  it('keeps entries across processes: saved to .ctxpack/cache and loaded again', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'a\n', 'src/b.js': 'b\n' });
    await settle(root);
    await hashFilesCached(ws, [{ path: 'src/a.js', field: 'f' }, { path: 'src/b.js', field: 'f' }]);
    await forgetHashCache(ws);
    expect(await readdir(path.join(root, ...HASH_CACHE_DIR.split('/')))).toContain(HASH_CACHE_FILE);
    expect(await hashFileCached(ws, 'src/b.js', 'f')).toEqual({ sha256: sha('b\n'), bytes: 2 });
    expect(hashCacheStats(ws)).toMatchObject({ hits: 1, misses: 0 });
  });

  it('re-hashes a file whose bytes changed with the same size and its mtime put back', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'const port = 8080;\n' });
    const file = path.join(root, 'src/a.js');
    await settle(root);
    const reference = path.join(root, '.mtime-reference');
    await run('touch', ['-r', file, reference]); // keeps the mtime to the nanosecond
    const before = await stat(file, { bigint: true });
    expect(await hashFileCached(ws, 'src/a.js', 'f')).toEqual({ sha256: sha('const port = 8080;\n'), bytes: 19 });

    await writeFile(file, 'const port = 9090;\n');
    await run('touch', ['-m', '-r', reference, file]); // what cp -p, tar or touch -d do
    expect((await stat(file, { bigint: true })).mtimeNs).toBe(before.mtimeNs);
    await settle(root);
    expect(await hashFileCached(ws, 'src/a.js', 'f')).toEqual({ sha256: sha('const port = 9090;\n'), bytes: 19 });
    expect(hashCacheStats(ws)).toMatchObject({ hits: 0, misses: 2 });
  });

  it('never serves a stale hash after an edit made right after hashing (same clock tick)', async () => {
    const { ws, root } = await workspaceWith({});
    const file = path.join(root, 'src/racy.js');
    await mkdir(path.dirname(file), { recursive: true });
    // Each round rewrites the file with new bytes of the same size straight after hashing it, which
    // usually lands in the same timestamp tick: its stat does not change, only its content.
    for (let round = 0; round < 50; round += 1) {
      const a = `round ${String(round).padStart(3, '0')} A\n`;
      const b = `round ${String(round).padStart(3, '0')} B\n`;
      await writeFile(file, a);
      expect((await hashFileCached(ws, 'src/racy.js', 'f')).sha256).toBe(sha(a));
      await writeFile(file, b);
      expect((await hashFileCached(ws, 'src/racy.js', 'f')).sha256).toBe(sha(b));
    }
    // On file systems with fine-grained timestamps the two writes above rarely share a stat; the rule
    // that protects coarse ones is visible directly: a file whose last change is not safely older than
    // the cache's stamp (same tick, or here a clock ahead of the stamp) is hashed but never stored.
    await run('touch', ['-m', '-d', '+1 hour', file]);
    for (let i = 0; i < 2; i += 1) expect((await hashFileCached(ws, 'src/racy.js', 'f')).sha256).toBe(sha('round 049 B\n'));
    expect(hashCacheStats(ws)).toMatchObject({ hits: 0, entries: 0 });
    expect(hashCacheStats(ws).racy).toBeGreaterThanOrEqual(2);

    // And it caches once the file has settled.
    await run('touch', ['-m', '-d', '-1 hour', file]);
    await settle(root);
    await hashFileCached(ws, 'src/racy.js', 'f');
    await hashFileCached(ws, 'src/racy.js', 'f');
    expect(hashCacheStats(ws).hits).toBeGreaterThanOrEqual(1);
  });

  it('gives exactly the errors of Workspace.hashFile for symlinks, FIFOs, folders, missing files and bad paths', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'a\n' });
    await symlink('../outside.txt', path.join(root, 'leak'));
    await symlink('..', path.join(root, 'up'));
    await symlink('src/a.js', path.join(root, 'inside-link'));
    await symlink('src', path.join(root, 'src-link'));
    await run('mkfifo', [path.join(root, 'src/pipe')]);
    await settle(root);

    for (const rel of ['leak', 'up/outside.txt', 'src/pipe', 'src', 'src/missing.js', 'src/a.js/x', '../outside.txt', '/etc/hostname', 'src//a.js']) {
      const expected = await failure(ws.hashFile(rel, 'work_unit.required_files[3]'));
      const actual = await failure(hashFileCached(ws, rel, 'work_unit.required_files[3]'));
      expect(actual).toBeInstanceOf((expected as Error).constructor);
      expect(actual).toMatchObject({ ...(expected as object), message: (expected as Error).message });
    }
    // Symlinks that stay inside are followed, as hashFile does (and not cached).
    for (const rel of ['inside-link', 'src-link/a.js']) {
      expect(await hashFileCached(ws, rel, 'f')).toEqual(await ws.hashFile(rel, 'f'));
    }
    expect(hashCacheStats(ws).entries).toBe(0);
  });

  it('throws the first failing file of a batch, in order, like a loop over hashFile', async () => {
    const { ws } = await workspaceWith({ 'src/a.js': 'a\n' });
    const error = await failure(
      hashFilesCached(ws, [
        { path: 'src/a.js', field: 'required_files[0]' },
        { path: 'src/gone.js', field: 'required_files[1]' },
        { path: '../x', field: 'required_files[2]' },
      ]),
    );
    // The field names the file; the path itself is authored data and stays out of the error (#14).
    expect(error).toMatchObject({ code: 'PackSourceMissing', details: { field: 'required_files[1]' } });
    expect(JSON.stringify(error)).not.toContain('gone.js');
  });

  it('treats a corrupt or foreign cache file as an empty cache', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'a\n' });
    await settle(root);
    await hashFileCached(ws, 'src/a.js', 'f');
    await forgetHashCache(ws);
    const file = path.join(root, ...HASH_CACHE_DIR.split('/'), HASH_CACHE_FILE);
    for (const body of ['{"version":2,"entries":{"src/a.js":["1:2:3:4:5"', 'null', '{"version":3,"entries":{}}', '{"version":2,"entries":{"src/a.js":"x"}}', '{"version":2,"entries":{"src/a.js":["1:2:3:4e3:5","' + 'f'.repeat(64) + '"]}}']) {
      await writeFile(file, body);
      expect(await hashFileCached(ws, 'src/a.js', 'f')).toEqual({ sha256: sha('a\n'), bytes: 2 });
      expect(hashCacheStats(ws)).toMatchObject({ hits: 0, misses: 1 });
      await forgetHashCache(ws);
    }
    // An entry whose key does not match the file is never served, whatever hash it claims.
    await writeFile(file, JSON.stringify({ version: 2, entries: { 'src/a.js': ['1:2:2:4.5:5.25', 'f'.repeat(64)] } }));
    expect(await hashFileCached(ws, 'src/a.js', 'f')).toEqual({ sha256: sha('a\n'), bytes: 2 });
  });

  it('still works when .ctxpack cannot be written, storing nothing', async () => {
    const { root, ws } = await workspaceWith({ 'src/a.js': 'a\n' });
    // A file where the cache folder would go makes it unwritable even for root; chmod covers the rest.
    await writeFile(path.join(root, '.ctxpack/cache'), 'not a folder');
    await chmod(path.join(root, '.ctxpack'), 0o555);
    try {
      await settle(root);
      for (let i = 0; i < 2; i += 1) {
        expect(await hashFileCached(ws, 'src/a.js', 'f')).toEqual({ sha256: sha('a\n'), bytes: 2 });
      }
      expect(hashCacheStats(ws)).toMatchObject({ writable: false, misses: 2, hits: 0, entries: 0 });
      await flushHashCache(ws);
    } finally {
      await chmod(path.join(root, '.ctxpack'), 0o755);
    }
  });

  it('does not change pack bytes: a cold and a cached assembly of the example give the same packs', async () => {
    const dir = await copyExampleWorkspace('hash-cache');
    const ws = await Workspace.open(dir);
    await settle(dir);
    const cold = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    await forgetHashCache(ws); // the next assembly loads what the first one saved
    await assemblyMemo.forget(ws); // and really assembles again, rather than reusing the first result (in memory or saved)
    const cached = await assemblePacks(ws, 'coder', { path: WORK_UNIT });
    expect(hashCacheStats(ws).misses).toBe(0);
    expect(hashCacheStats(ws).hits).toBeGreaterThan(0);
    expect(Buffer.from(cached.workUnit.bytes).equals(Buffer.from(cold.workUnit.bytes))).toBe(true);
    expect(cached.role.hash).toBe(cold.role.hash);
  });
});
