/**
 * The assembly baseline: read every file and sha256 it, nothing else. Sequential synchronous reads
 * through one 1 MiB buffer, which is the fastest plain way to do it in one Node thread (the promise
 * API's per-call thread-pool round trips cost more than the reads for small files).
 *
 *   node --import tsx bench/support/raw-read-hash.ts <workspace> [--repeats 7]
 *
 * reads `<workspace>/required-files.txt` (one workspace path a line, as written by
 * `bench/support/scaled-workspace.ts`) and prints the median MB/s.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mbPerSecond, median } from './stats.js';

const buffer = Buffer.allocUnsafe(1024 * 1024);

/** Reads and hashes `files` (workspace paths under `root`); returns the bytes read. */
export function rawReadHash(root: string, files: readonly string[]): number {
  let total = 0;
  for (const file of files) {
    const fd = openSync(path.join(root, ...file.split('/')), 'r');
    try {
      const hash = createHash('sha256');
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
        total += n;
      }
      hash.digest('hex');
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '7' } } });
  const root = positionals[0];
  if (!root) {
    console.error('usage: node --import tsx bench/support/raw-read-hash.ts <workspace> [--repeats N]');
    process.exit(2);
  }
  const files = readFileSync(path.join(root, 'required-files.txt'), 'utf8').split('\n').filter(Boolean);
  rawReadHash(root, files); // warm-up
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < Number(values.repeats); i += 1) {
    const start = performance.now();
    bytes = rawReadHash(root, files);
    times.push(performance.now() - start);
  }
  const ms = median(times);
  console.log(`${files.length} files, ${(bytes / 1e6).toFixed(1)} MB: median ${ms.toFixed(1)} ms, ${mbPerSecond(bytes, ms).toFixed(0)} MB/s`);
}
