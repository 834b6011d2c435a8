/**
 * The assembly memo compares stat keys in Node's number form (hash-cache/state.ts `numberFormOf`): its
 * conversion of a hash-cache key must give exactly what a number-form `lstat` reports for the same
 * file, or a memo would never be reused (or, worse, compare the wrong fields). Checked on every file
 * of the example workspace and on times set to arbitrary fractions of a second.
 */
import { lstat, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { identityOf, keyOf, numberFormOf } from '../../../shared/engine/assemble/hash-cache/state.js';
import { copyExampleWorkspace, removeWorkspaceCopy } from '../../support/workspace.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeWorkspaceCopy(dir);
});

async function numbersBothWays(file: string): Promise<[readonly number[], number[]]> {
  const big = await lstat(file, { bigint: true });
  const num = await lstat(file);
  return [numberFormOf(identityOf({ key: keyOf(big), hex: '' })) ?? [], [num.dev, num.ino, num.size, num.mtimeMs, num.ctimeMs]];
}

describe('numberFormOf', () => {
  it('gives what a number-form lstat reports, for every file of the example workspace', async () => {
    const dir = await copyExampleWorkspace('memo-stat-numbers');
    dirs.push(dir);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const [ours, node] = await numbersBothWays(file);
      expect(ours, file).toEqual(node);
    }
  });

  it('gives what a number-form lstat reports for arbitrary sub-second times', async () => {
    const dir = await copyExampleWorkspace('memo-stat-numbers-times');
    dirs.push(dir);
    const file = path.join(dir, 'probe.txt');
    await writeFile(file, 'x');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 }), async (seconds, micros) => {
        const at = seconds + micros / 1e6;
        await utimes(file, at, at);
        const [ours, node] = await numbersBothWays(file);
        expect(ours).toEqual(node);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a malformed key (a saved cache anyone could edit), so it never matches', () => {
    for (const key of ['', '1:2:3:4', '1:2:3:4:5:6', '1:2:3:4:x', '1e3:2:3:4:5']) expect(numberFormOf(identityOf({ key, hex: '' })), key).toBeUndefined();
    expect(numberFormOf(identityOf({ key: '7:8:9:1700000000123456789:5', hex: '' }))).toEqual([7, 8, 9, 1700000000123.4568, 0.000005]);
  });
});
