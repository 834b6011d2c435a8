/**
 * When the hash cache saves itself: once, after the last new entry has waited one full delay, never
 * while entries are still coming in (a cold assembly records thousands, one after another).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { record } from '../../../shared/engine/assemble/hash-cache/persistence.js';
import { FLUSH_DELAY_MS, stateFor, states, type CacheState } from '../../../shared/engine/assemble/hash-cache/state.js';
import type { Workspace } from '../../../shared/engine/workspace-fs.js';

const entry = (n: number) => ({ key: `1:${n}:3:4.5:6.5`, hex: n.toString(16).padStart(64, '0') });

let root: string | undefined;
afterEach(async () => {
  vi.useRealTimers();
  if (root) {
    states.delete(root);
    await rm(path.dirname(root), { recursive: true, force: true });
    root = undefined;
  }
});

async function freshState(): Promise<CacheState> {
  root = path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-cache-save-')), 'ws');
  const state = stateFor({ root } as Workspace);
  await mkdir(state.dir, { recursive: true });
  return state;
}

describe('the hash cache save', () => {
  it('waits until no entry has come for a whole delay, then writes every entry once', async () => {
    const state = await freshState();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    record(state, 'a.txt', entry(1));
    expect(state.timer).toBeDefined();
    // Entries keep coming, each within a delay of the one before: no save starts while they do.
    for (let step = 1; step <= 5; step += 1) {
      vi.advanceTimersByTime(FLUSH_DELAY_MS - 10);
      record(state, `f${step}.txt`, entry(step + 1));
      expect(state.flushing).toBeUndefined();
    }
    // The last entry came at 450 ms; the timer armed at 400 ms fires at 500 ms and waits once more.
    vi.advanceTimersByTime(FLUSH_DELAY_MS);
    expect(state.flushing).toBeUndefined();
    expect(state.timer).toBeDefined();
    vi.advanceTimersByTime(FLUSH_DELAY_MS);
    expect(state.timer).toBeUndefined();
    vi.useRealTimers();
    while (state.flushing) await state.flushing;
    const saved = JSON.parse(await readFile(state.file, 'utf8')) as { version: number; entries: Record<string, [string, string]> };
    expect(saved.version).toBe(2);
    expect(Object.keys(saved.entries).sort()).toEqual(['a.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt', 'f5.txt']);
    expect(saved.entries['f5.txt']).toEqual([entry(6).key, entry(6).hex]);
    expect(state.dirty).toBe(false);
  });

  it('saves one delay after a single entry', async () => {
    const state = await freshState();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    record(state, 'only.txt', entry(7));
    vi.advanceTimersByTime(FLUSH_DELAY_MS - 1);
    expect(state.timer).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(state.timer).toBeUndefined();
    vi.useRealTimers();
    while (state.flushing) await state.flushing;
    const saved = JSON.parse(await readFile(state.file, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(saved.entries)).toEqual(['only.txt']);
  });
});
