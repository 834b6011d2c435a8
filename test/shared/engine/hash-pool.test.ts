/**
 * Hashing many files on the worker pool gives what hashing them one by one gives: the same hashes and
 * sizes in the same order, and the same first error (a missing file, a symlink leading out).
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetHashCache, hashCacheStats, hashFilesCached, setHashThreads } from '../../../shared/engine/assemble/hash-cache/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';

async function manyFiles(count: number): Promise<{ root: string; ws: Workspace; files: { path: string; field: string }[] }> {
  const parent = await realpath(await mkdtemp(path.join(tmpdir(), 'ctxpack-hash-pool-')));
  const root = path.join(parent, 'ws');
  await mkdir(path.join(root, '.ctxpack'), { recursive: true });
  const files: { path: string; field: string }[] = [];
  for (let i = 0; i < count; i += 1) {
    const rel = `src/d${i % 7}/f${i}.txt`;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    // Sizes from empty to over one read chunk (1 MiB), so every read loop branch runs.
    await writeFile(path.join(root, rel), i === 3 ? Buffer.alloc(1024 * 1024 + 17, 7) : `file ${i}\n`.repeat(i % 50));
    files.push({ path: rel, field: `files[${i}]` });
  }
  return { root, ws: await Workspace.open(root), files };
}

async function hashAll(ws: Workspace, files: { path: string; field: string }[], threads: number): Promise<unknown> {
  setHashThreads(threads);
  await forgetHashCache(ws);
  await rm(path.join(ws.root, '.ctxpack', 'cache'), { recursive: true, force: true });
  try {
    return { value: await hashFilesCached(ws, files) };
  } catch (err) {
    return { error: (err as { code?: string }).code, message: (err as Error).message };
  }
}

describe('the saved hash cache', () => {
  it('keeps paths that need JSON escaping, so they hit after a reload', async () => {
    const { root, ws } = await manyFiles(3);
    const odd = ['src/a "quoted" name.txt', 'src/ünïcode.txt', 'src/ok.txt'];
    for (const rel of odd) await writeFile(path.join(root, rel), rel);
    await sleep(30);
    const files = odd.map((rel, i) => ({ path: rel, field: `odd[${i}]` }));
    const first = await hashFilesCached(ws, files);
    await forgetHashCache(ws);
    expect(await hashFilesCached(ws, files)).toEqual(first);
    expect(hashCacheStats(ws)).toMatchObject({ hits: odd.length, misses: 0 });
  });
});

describe('the hash pool', () => {
  afterEach(() => setHashThreads(undefined));

  it('gives the hashes one thread and Workspace.hashFile give, in order', async () => {
    const { ws, files } = await manyFiles(600);
    const pooled = await hashAll(ws, files, 2);
    expect(pooled).toEqual(await hashAll(ws, files, 0));
    const direct = [];
    for (const f of files) direct.push({ path: f.path, ...(await ws.hashFile(f.path, f.field)) });
    expect(pooled).toEqual({ value: direct });
  });

  it('gives the same answers with a large file first, last or in the middle, on one to three workers', async () => {
    const { root, ws, files } = await manyFiles(700);
    // 12 MiB: the main thread reads it a chunk per event-loop turn while the workers take the rest.
    for (const at of [0, 350, 699]) await writeFile(path.join(root, files[at]?.path as string), Buffer.alloc(12 * 1024 * 1024, at));
    const one = await hashAll(ws, files, 0);
    expect(one).toMatchObject({ value: expect.any(Array) });
    for (const threads of [1, 2, 3]) expect(await hashAll(ws, files, threads)).toEqual(one);
  });

  it('finishes the list on the main thread when a worker dies holding chunks, and later calls start a new one', async () => {
    const { ws, files } = await manyFiles(2000);
    const one = await hashAll(ws, files, 0);
    // The first worker to be handed its second chunk is terminated at once: it dies holding both.
    const post = Worker.prototype.postMessage;
    let sent = 0;
    let killed: Worker | undefined;
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      post.apply(this, args);
      if ((sent += 1) === 2) {
        killed = this;
        void this.terminate();
      }
    };
    try {
      expect(await hashAll(ws, files, 1)).toEqual(one);
    } finally {
      Worker.prototype.postMessage = post;
    }
    expect(killed).toBeDefined();
    // The dead worker is gone from the pool: the next call is served by a new one, and answers.
    expect(await hashAll(ws, files, 1)).toEqual(one);
  });

  it('throws the first failing file\'s error, as a loop would', async () => {
    const { root, ws, files } = await manyFiles(400);
    await rm(path.join(root, files[250]?.path as string));
    await symlink('/etc', path.join(root, 'src/out'));
    const withEscape = [...files.slice(0, 100), { path: 'src/out/passwd', field: 'escape' }, ...files.slice(100)];
    const pooled = await hashAll(ws, withEscape, 2);
    expect(pooled).toMatchObject({ error: 'PackPathRejected' });
    expect(pooled).toEqual(await hashAll(ws, withEscape, 0));
    const missing = await hashAll(ws, files, 2);
    expect(missing).toMatchObject({ error: 'PackSourceMissing' });
    expect(missing).toEqual(await hashAll(ws, files, 0));
    const badPath = [...files.slice(0, 300), { path: '../x', field: 'bad' }];
    expect(await hashAll(ws, badPath, 2)).toEqual(await hashAll(ws, badPath, 0));
  });
});
