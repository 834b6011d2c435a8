/**
 * The hash cache and the assembly memo key files by Node's number-form stat (hash-cache/state.ts
 * `keyOf`): times in float milliseconds. A key must read back as exactly the numbers an `lstat`
 * reports (or nothing would ever be reused, or the wrong fields compared), and the number form must
 * still tell apart the changes the nanosecond form did: checked on every file of the example
 * workspace, on times set to arbitrary fractions of a second, and on malformed saved keys.
 */
import { lstat, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { identityOf, keyMatches, keyOf } from '../../../shared/engine/assemble/hash-cache/state.js';
import { copyExampleWorkspace, removeWorkspaceCopy } from '../../support/workspace.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeWorkspaceCopy(dir);
});

/** A saved key as the cache reads it back: from its text, nothing kept from the stat. */
const readBack = (key: string) => identityOf({ key, hex: '' });

async function bothForms(file: string): Promise<{ parsed: readonly number[]; stat: number[]; nanos: readonly bigint[] }> {
  const num = await lstat(file);
  const big = await lstat(file, { bigint: true });
  return { parsed: readBack(keyOf(num)), stat: [num.dev, num.ino, num.size, num.mtimeMs, num.ctimeMs], nanos: [big.mtimeNs, big.ctimeNs] };
}

/** Node's own conversion of a timespec to float milliseconds, from the nanoseconds. */
const msOf = (ns: bigint): number => Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1e6;

describe('the number-form stat key', () => {
  it('reads back as exactly what lstat reports, for every file of the example workspace', async () => {
    const dir = await copyExampleWorkspace('stat-key-files');
    dirs.push(dir);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const { parsed, stat, nanos } = await bothForms(file);
      expect(parsed, file).toEqual(stat);
      // The times are the nanoseconds' own milliseconds (what the old key held, rounded to a double).
      expect([parsed[3], parsed[4]], file).toEqual(nanos.map(msOf));
    }
  });

  it('reads back exactly for arbitrary sub-second times, and a time 1 µs later never matches', async () => {
    const dir = await copyExampleWorkspace('stat-key-times');
    dirs.push(dir);
    const file = path.join(dir, 'probe.txt');
    await writeFile(file, 'x');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 }), async (seconds, micros) => {
        await utimes(file, seconds + micros / 1e6, seconds + micros / 1e6);
        const before = await lstat(file);
        const entry = { key: keyOf(before), hex: '' };
        expect(readBack(entry.key)).toEqual([before.dev, before.ino, before.size, before.mtimeMs, before.ctimeMs]);
        expect(keyMatches(entry, before)).toBe(true);
        // 1 µs is more than the rounding (about 0.24 µs at these times): the key tells them apart.
        expect(keyMatches(entry, { ...before, mtimeMs: before.mtimeMs + 0.001 })).toBe(false);
        expect(keyMatches(entry, { ...before, ctimeMs: before.ctimeMs + 0.001 })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a malformed saved key (a cache file anyone could edit), so it never matches', () => {
    for (const key of ['', '1:2:3:4', '1:2:3:4:5:6', '1:2:-3:4:5', '1:2:3:4:x', '1:2:3:NaN:5', '1:2:3:Infinity:5']) {
      expect(readBack(key), key).toEqual([]);
      expect(keyMatches({ key, hex: '' }, { dev: 1, ino: 2, size: 3, mtimeMs: 4, ctimeMs: 5 }), key).toBe(false);
    }
    expect(readBack('7:8:9:1700000000123.4568:5')).toEqual([7, 8, 9, 1700000000123.4568, 5]);
  });
});
