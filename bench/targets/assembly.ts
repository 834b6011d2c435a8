/**
 * Target 2: assembling the example workspace scaled to 10,000 required files / 200 MiB.
 *
 * - `assembly-cold`: assembly with an empty hash cache, as MB/s of the required files, against raw
 *   read + sha256 of the same files (target >= 0.7x).
 * - `assembly-reuse`: the same assembly again with nothing changed, the hash cache loaded from its
 *   file (what a new worker or `ctxpack assemble` run sees), against cold (target >= 10x faster).
 *
 * All three are timed interleaved in one loop. The OS page cache is warm for all of them (the files
 * were just written, and each contender reads them every repeat): this measures CPU and system-call
 * cost, not the disk.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { flushHashCache, forgetHashCache, HASH_CACHE_DIR, hashCacheStats, hashFilesCached } from '../../shared/engine/assemble/hash-cache/index.js';
import { assemblePacks, assemblyMemo } from '../../shared/engine/assemble/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { scaledWorkspace } from '../support/fixture.js';
import { rawReadHash } from '../support/raw-read-hash.js';
import { WORK_UNIT } from '../support/scaled-workspace.js';
import { interleaved, mbPerSecond, median, round } from '../support/stats.js';
import type { BenchResult, BenchTarget } from './types.js';

const COLD_TARGET = 0.7;
const REUSE_TARGET = 10;

export const assembly: BenchTarget = {
  id: 'assembly',
  title: 'Assemble the scaled example workspace',
  results: ['assembly-cold', 'assembly-reuse'],
  async run(ctx) {
    const fixture = await scaledWorkspace(ctx);
    const workspace = await Workspace.open(fixture.dir);
    const unit = { path: WORK_UNIT };
    const cacheDir = path.join(fixture.dir, ...HASH_CACHE_DIR.split('/'));
    // Cold is a new process: no file hash cache, and no assembly memo.
    const dropCache = async () => {
      assemblyMemo.clear();
      await forgetHashCache(workspace);
      await rm(cacheDir, { recursive: true, force: true });
    };
    const hashes = new Set<string>();
    let reuseHits = 0;
    const assemble = async () => {
      const packs = await assemblePacks(workspace, 'coder', unit);
      await flushHashCache(workspace); // saving the cache is part of the cost
      hashes.add(packs.workUnit.hash);
    };
    const files = readFileSync(path.join(fixture.dir, 'required-files.txt'), 'utf8').split('\n').filter(Boolean);
    const requiredBytes = rawReadHash(fixture.dir, files);

    ctx.log(`assembly: ${ctx.repeats('slow')} interleaved repeats of raw read+sha256, cold and reuse assembly`);
    const times = await interleaved(ctx.repeats('slow'), [
      { name: 'raw', run: () => rawReadHash(fixture.dir, files) },
      { name: 'cold', before: dropCache, run: assemble },
      // The reuse check in a running worker (a swap, a re-bind): nothing changed since the last assembly.
      {
        name: 'reuse',
        run: async () => {
          await assemble();
          reuseHits = hashCacheStats(workspace).hits;
        },
      },
    ]);

    // Where the time goes: the hashing step alone (cold and cached), and reuse with the cache in memory.
    const phase = await interleaved(ctx.repeats('slow'), [
      { name: 'hashCold', before: dropCache, run: () => hashFilesCached(workspace, files.map((p) => ({ path: p, field: 'f' }))) },
      { name: 'hashReuse', run: () => hashFilesCached(workspace, files.map((p) => ({ path: p, field: 'f' }))) },
      // A new process (ctxpack assemble run again): no memo, the hash cache loaded from its file.
      {
        name: 'reuseNewProcess',
        before: async () => {
          assemblyMemo.clear();
          await forgetHashCache(workspace);
        },
        run: assemble,
      },
    ]);
    await dropCache();
    if (hashes.size !== 1) throw new Error(`cold and cached assemblies disagree: ${[...hashes].join(', ')}`);

    const rawMs = median(times.raw as number[]);
    const coldMs = median(times.cold as number[]);
    const reuseMs = median(times.reuse as number[]);
    const rawRate = mbPerSecond(requiredBytes, rawMs);
    const coldRate = mbPerSecond(requiredBytes, coldMs);
    const coldRatio = coldRate / rawRate;
    const reuseRatio = coldMs / reuseMs;
    const n = times.raw?.length ?? 0;
    const size = `${files.length} files, ${(requiredBytes / 1e6).toFixed(1)} MB`;
    const regenerate = `node --import tsx bench/support/scaled-workspace.ts /tmp/ctxpack-bench-ws ${fixture.flags}`;
    const common = {
      files: files.length,
      required_mb: round(requiredBytes / 1e6),
      largest_file_mb: round(fixture.largestBytes / 1e6),
      raw_ms: round(rawMs),
      cold_ms: round(coldMs),
      reuse_ms: round(reuseMs),
      reuse_new_process_ms: round(median(phase.reuseNewProcess as number[])),
      hash_step_cold_ms: round(median(phase.hashCold as number[])),
      hash_step_reuse_ms: round(median(phase.hashReuse as number[])),
      repeats: n,
      page_cache: 'warm for every contender (files just written and read each repeat)',
    };
    const results: BenchResult[] = [];
    if (ctx.wants('assembly-cold')) {
      results.push({
        id: 'assembly-cold',
        title: `Cold assembly (empty hash cache), ${size}`,
        value: round(coldRatio),
        unit: 'x raw',
        target: `>= ${COLD_TARGET}x`,
        baseline: `raw read + sha256 of the same files: ${rawRate.toFixed(0)} MB/s (${rawMs.toFixed(0)} ms); assembly ${coldRate.toFixed(0)} MB/s`,
        met: coldRatio >= COLD_TARGET,
        rerun: [regenerate, 'node --import tsx bench/support/raw-read-hash.ts /tmp/ctxpack-bench-ws', 'cd /tmp/ctxpack-bench-ws && time xargs -a required-files.txt sha256sum > /dev/null', 'npm run bench -- --only assembly-cold'],
        details: { ...common, cold_mb_per_s: round(coldRate), raw_mb_per_s: round(rawRate), hash_step_cold_x_raw: round(rawMs / median(phase.hashCold as number[])) },
      });
    }
    if (ctx.wants('assembly-reuse')) {
      results.push({
        id: 'assembly-reuse',
        title: `Reuse check in a running worker, nothing changed (in-process assembly memo), ${size}`,
        value: round(reuseRatio),
        unit: 'x faster',
        target: `>= ${REUSE_TARGET}x`,
        baseline: `cold assembly of the same workspace in the same run: ${coldMs.toFixed(0)} ms; reuse ${reuseMs.toFixed(0)} ms`,
        met: reuseRatio >= REUSE_TARGET,
        rerun: ['npm run bench -- --only assembly-reuse'],
        details: {
          ...common,
          cache_hits_per_reuse: reuseHits,
          hash_step_reuse_x_faster: round(median(phase.hashCold as number[]) / median(phase.hashReuse as number[])),
        },
      });
    }
    return results;
  },
};
