/**
 * The assembly memo's stat check shared with the hash pool's workers (hash-cache/pool.ts
 * `statsMatch`) answers what the main thread alone answers: true while nothing changed, false after
 * any change to a file or a directory on the way to it, wherever in the list the change falls (the
 * workers take the front, the main thread the back), and the same when a worker dies mid-check.
 */
import { lstatSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { checksHold, ID_FIELDS, type MemoChecks } from '../../../shared/engine/assemble/memo-checks.js';
import { forgetHashCache, hashFilesCached, setHashThreads } from '../../../shared/engine/assemble/hash-cache/index.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';

const FILES = 1500;
const DIRS = 9;
const STARTERS = 300;
let parent: string;
let root: string;
let ws: Workspace;
/** Paths currently in the tree as plain files (a deleted one leaves the list). */
let present: string[];

beforeAll(async () => {
  parent = await realpath(await mkdtemp(path.join(tmpdir(), 'ctxpack-memo-stat-pool-')));
  root = path.join(parent, 'ws');
  await mkdir(path.join(root, '.ctxpack'), { recursive: true });
  present = [];
  for (let i = 0; i < FILES; i += 1) {
    const rel = `src/d${i % DIRS}/deep/f${i}.txt`;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), `file ${i}\n`);
    present.push(rel);
  }
  // Never changed: hashing them starts the pool's workers (see holdWith).
  await mkdir(path.join(root, 'pool'));
  for (let i = 0; i < STARTERS; i += 1) await writeFile(path.join(root, `pool/p${i}.txt`), `starter ${i}\n`);
  ws = await Workspace.open(root);
});

afterAll(async () => {
  setHashThreads(undefined);
  await forgetHashCache(ws);
  await rm(parent, { recursive: true, force: true });
});

/** The checks a memo would hold for `paths` as they are now: their lstat keys, nothing else. */
function checksNow(paths: readonly string[]): MemoChecks {
  const ids = new Float64Array(paths.length * ID_FIELDS);
  paths.forEach((rel, i) => {
    const s = lstatSync(path.join(root, rel));
    ids.set([s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs], i * ID_FIELDS);
  });
  return { paths, ids, content: [], exists: [], globs: [] };
}

/** checksHold with `threads` pool workers running (0: the main thread alone). */
async function holdWith(threads: number, checks: MemoChecks): Promise<boolean> {
  setHashThreads(threads);
  if (threads > 0) {
    // statsMatch only uses workers already running: hashing a long list with nothing cached starts them.
    await forgetHashCache(ws);
    await rm(path.join(root, '.ctxpack', 'cache'), { recursive: true, force: true });
    await hashFilesCached(ws, Array.from({ length: STARTERS }, (_, i) => ({ path: `pool/p${i}.txt`, field: `pool[${i}]` })));
  }
  return checksHold(ws, checks);
}

type Change = 'content' | 'mtime' | 'delete' | 'directory' | 'symlinked-parent';

/** Changes `rel` (or a directory on its way) and returns how to undo what can be undone. */
async function change(kind: Change, rel: string): Promise<() => Promise<void>> {
  const file = path.join(root, rel);
  const none = async () => undefined;
  if (kind === 'content') {
    await writeFile(file, `changed ${rel} ${Date.now()}\n`);
    return none;
  }
  if (kind === 'mtime') {
    await utimes(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    return none;
  }
  if (kind === 'delete') {
    await rm(file);
    present = present.filter((p) => p !== rel);
    return none;
  }
  if (kind === 'directory') {
    await rm(file);
    await mkdir(file);
    present = present.filter((p) => p !== rel);
    return none;
  }
  // The same files, reached through a symlink: not a plain path any more.
  const dir = path.dirname(path.dirname(file));
  await rename(dir, `${dir}-real`);
  await symlink(`${dir}-real`, dir);
  return async () => {
    await rm(dir);
    await rename(`${dir}-real`, dir);
  };
}

describe('the memo stat check on the hash pool', () => {
  afterEach(() => setHashThreads(undefined));

  it('answers as the main thread alone does, for a change anywhere in the list, on one or two workers', async () => {
    const post = Worker.prototype.postMessage;
    let shares = 0;
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      if ((args[0] as { stats?: boolean }).stats) shares += 1;
      post.apply(this, args);
    };
    onTestFinished(() => {
      Worker.prototype.postMessage = post;
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Change>('content', 'mtime', 'delete', 'directory', 'symlinked-parent'),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.constantFrom(1, 2),
        async (kind, where, threads) => {
          const checks = checksNow(present);
          expect(await holdWith(threads, checks)).toBe(true);
          expect(await holdWith(0, checks)).toBe(true);
          const undo = await change(kind, checks.paths[Math.floor(where * checks.paths.length)] as string);
          try {
            expect(await holdWith(threads, checks)).toBe(false);
            expect(await holdWith(0, checks)).toBe(false);
          } finally {
            await undo();
          }
        },
      ),
      { numRuns: 30 },
    );
    // The workers took shares of the checks (else only the main thread was tested).
    expect(shares).toBeGreaterThan(30);
  });

  it('gives the right answer when a worker dies holding a share', async () => {
    const checks = checksNow(present);
    const post = Worker.prototype.postMessage;
    let killed = 0;
    // Every stat-check message kills the worker it is sent to: the main thread checks those shares.
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      post.apply(this, args);
      if ((args[0] as { stats?: boolean }).stats) {
        killed += 1;
        void this.terminate();
      }
    };
    try {
      expect(await holdWith(1, checks)).toBe(true);
      const undo = await change('content', checks.paths[3] as string);
      await undo();
      expect(await holdWith(1, checks)).toBe(false);
    } finally {
      Worker.prototype.postMessage = post;
    }
    expect(killed).toBeGreaterThan(0);
  });
});
