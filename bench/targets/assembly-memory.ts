/**
 * Target 6: assembling the 200 MiB workspace keeps peak RSS under 2x its largest file plus 200 MB
 * (files are streamed, never held whole). Measured in a child process per run
 * (`bench/probes/assemble-rss.ts`), cold, so every byte is read.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HASH_CACHE_DIR } from '../../shared/engine/assemble/hash-cache/index.js';
import { scaledWorkspace } from '../support/fixture.js';
import { median, round } from '../support/stats.js';
import type { BenchTarget } from './types.js';

const run = promisify(execFile);
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = 'bench/probes/assemble-rss.ts';

async function probe(dir: string, idle: boolean): Promise<{ max_rss_bytes: number; work_unit_pack_hash: string | null }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, dir, ...(idle ? ['--idle'] : [])], {
    cwd: PROJECT,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { max_rss_bytes: number; work_unit_pack_hash: string | null };
}

export const assemblyMemory: BenchTarget = {
  id: 'assembly-memory',
  title: 'Peak RSS of a cold assembly',
  results: ['assembly-memory'],
  async run(ctx) {
    const fixture = await scaledWorkspace(ctx);
    const limit = 2 * fixture.largestBytes + 200e6;
    const repeats = ctx.quick ? 1 : 3;
    const peaks: number[] = [];
    const idles: number[] = [];
    const hashes = new Set<string | null>();
    ctx.log(`assembly-memory: ${repeats} child processes, cold, plus as many idle ones`);
    for (let i = 0; i < repeats; i += 1) {
      await rm(path.join(fixture.dir, ...HASH_CACHE_DIR.split('/')), { recursive: true, force: true });
      const measured = await probe(fixture.dir, false);
      peaks.push(measured.max_rss_bytes);
      hashes.add(measured.work_unit_pack_hash);
      idles.push((await probe(fixture.dir, true)).max_rss_bytes);
    }
    await rm(path.join(fixture.dir, ...HASH_CACHE_DIR.split('/')), { recursive: true, force: true });
    if (hashes.size !== 1) throw new Error('the probe assembled different packs');
    const peak = median(peaks);
    const idle = median(idles);
    return [
      {
        id: 'assembly-memory',
        title: `Peak RSS, cold assembly of ${fixture.files.length} files / ${(fixture.totalBytes / 1e6).toFixed(0)} MB`,
        value: round(peak / 1e6),
        unit: 'MB',
        target: `<= ${(limit / 1e6).toFixed(1)} MB`,
        baseline: `2 x largest file (${(fixture.largestBytes / 1e6).toFixed(1)} MB) + 200 MB; the same process assembling nothing peaks at ${(idle / 1e6).toFixed(0)} MB`,
        met: peak <= limit,
        rerun: [
          `node --import tsx bench/support/scaled-workspace.ts /tmp/ctxpack-bench-ws ${fixture.flags}`,
          `node --import tsx ${PROBE} /tmp/ctxpack-bench-ws`,
          `node --import tsx ${PROBE} /tmp/ctxpack-bench-ws --idle`,
        ],
        details: {
          peak_rss_mb: round(peak / 1e6),
          idle_rss_mb: round(idle / 1e6),
          assembly_rss_increase_mb: round((peak - idle) / 1e6),
          largest_file_mb: round(fixture.largestBytes / 1e6),
          limit_mb: round(limit / 1e6),
          repeats,
        },
      },
    ];
  },
};
