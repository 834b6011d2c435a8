/**
 * Old saved assembly memos are cleaned up: every save keeps the most recently used MEMOS_KEPT memo
 * files of the workspace, a reuse counts as use, and temp files a crashed save left go once stale.
 * Nothing else in the cache folder is touched.
 */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forgetHashCache, HASH_CACHE_DIR } from '../../../shared/engine/assemble/hash-cache/index.js';
import { assemblePacks, assemblyMemo } from '../../../shared/engine/assemble/index.js';
import { memoFile, MEMOS_KEPT, pruneMemos } from '../../../shared/engine/assemble/memo-disk.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const cacheDir = (dir: string) => path.join(dir, ...HASH_CACHE_DIR.split('/'));
const DAY = 24 * 3600 * 1000;
const names = async (dir: string) => (await readdir(cacheDir(dir))).sort();
const memoName = (i: number) => `assembly-memo.${i.toString(16).padStart(16, '0')}.v1.bin`;

/** Writes a file into the cache folder with the given age. */
async function planted(dir: string, name: string, ageMs: number): Promise<void> {
  const file = path.join(cacheDir(dir), name);
  await writeFile(file, 'x');
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

/** Waits out the file system's timestamp granularity, so the hash cache (and so the memo) may key files by their stat. */
async function settle(dir: string): Promise<void> {
  const probe = path.join(dir, '.settle-probe');
  await writeFile(probe, '');
  const { mtimeNs } = await stat(probe, { bigint: true });
  await sleep(mtimeNs % 1_000_000_000n === 0n ? 2100 : 30);
}

async function assembleNew(dir: string, contextWindow?: number) {
  const ws = await Workspace.open(dir);
  assemblyMemo.clear();
  await forgetHashCache(ws);
  return assemblePacks(ws, 'coder', { path: WORK_UNIT }, contextWindow === undefined ? {} : { contextWindow });
}

describe('pruning saved assembly memos', () => {
  it('keeps the most recently used memo files, removes stale temp files, and leaves everything else', async () => {
    const dir = await copyExampleWorkspace('memo-prune');
    await mkdir(cacheDir(dir), { recursive: true });
    const total = MEMOS_KEPT + 5;
    // Memo i is i days old: 0..MEMOS_KEPT-1 are the ones in use.
    for (let i = 0; i < total; i += 1) await planted(dir, memoName(i), i * DAY + 1000);
    await planted(dir, `${memoName(99)}.1234.abc123.tmp`, DAY); // a crashed save, long ago
    await planted(dir, `${memoName(98)}.1234.def456.tmp`, 0); // a save running now
    await planted(dir, 'notes.txt', 30 * DAY); // not a memo: not ours to delete
    await planted(dir, 'assembly-memo.not-hex.v1.bin', 30 * DAY);
    await pruneMemos(await Workspace.open(dir));
    const left = await names(dir);
    const kept = Array.from({ length: MEMOS_KEPT }, (_, i) => memoName(i));
    expect(left.filter((n) => /^assembly-memo\.[0-9a-f]{16}\.v1\.bin$/.test(n)).sort()).toEqual(kept.sort());
    expect(left).toContain(`${memoName(98)}.1234.def456.tmp`);
    expect(left).not.toContain(`${memoName(99)}.1234.abc123.tmp`);
    expect(left).toContain('notes.txt');
    expect(left).toContain('assembly-memo.not-hex.v1.bin');
  });

  it('prunes on save: a new memo joins the kept set and the oldest goes', async () => {
    const dir = await copyExampleWorkspace('memo-prune-save');
    await mkdir(cacheDir(dir), { recursive: true });
    for (let i = 0; i < MEMOS_KEPT; i += 1) await planted(dir, memoName(i), (i + 1) * DAY);
    const ws = await Workspace.open(dir);
    await assembleNew(dir);
    const saved = path.basename(memoFile(ws, JSON.stringify({ roleId: 'coder', workUnit: WORK_UNIT, contextWindow: null, requestFit: null })));
    const memos = (await names(dir)).filter((n) => n.startsWith('assembly-memo.'));
    expect(memos).toHaveLength(MEMOS_KEPT);
    expect(memos).toContain(saved);
    expect(memos).not.toContain(memoName(MEMOS_KEPT - 1)); // the oldest planted one
    expect(memos).toContain(memoName(0));
  });

  it('counts a reuse as use: an old memo that is reused survives the next prune', async () => {
    const dir = await copyExampleWorkspace('memo-prune-reuse');
    await settle(dir);
    const ws = await Workspace.open(dir);
    await assembleNew(dir, 8192);
    const file = memoFile(ws, JSON.stringify({ roleId: 'coder', workUnit: WORK_UNIT, contextWindow: 8192, requestFit: null }));
    const longAgo = new Date(Date.now() - 365 * DAY);
    await utimes(file, longAgo, longAgo);
    const before = assemblyMemo.stats.diskHits;
    await assembleNew(dir, 8192); // a new process: reused from disk
    expect(assemblyMemo.stats.diskHits).toBe(before + 1);
    expect(Date.now() - (await stat(file)).mtimeMs).toBeLessThan(DAY);
    for (let i = 0; i < MEMOS_KEPT; i += 1) await planted(dir, memoName(i), 30 * DAY + i);
    await pruneMemos(ws);
    const memos = (await names(dir)).filter((n) => n.startsWith('assembly-memo.'));
    expect(memos).toHaveLength(MEMOS_KEPT);
    expect(memos).toContain(path.basename(file));
  });
});
