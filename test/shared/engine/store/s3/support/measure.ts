/**
 * Load-latency measurement for the store benchmark. Reports numbers; it asserts nothing about them,
 * because timings on a shared 2-core machine are not a pass/fail signal.
 */
import { performance } from 'node:perf_hooks';
import type { PackStore } from '../../../../../../shared/engine/store/types.js';

/** Latency of `store.get`, in milliseconds. */
export interface LoadTimings {
  /** How many loads were timed. */
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Times `n` sequential `store.get` calls, cycling through `hashes` (each load re-hashes, as in
 * production). Sequential on purpose: this measures one load's latency, not the store's throughput.
 */
export async function measureLoads(store: PackStore, hashes: readonly string[], n: number): Promise<LoadTimings> {
  if (hashes.length === 0 || !Number.isInteger(n) || n < 1) throw new RangeError('measureLoads needs at least one hash and n >= 1');
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const hash = hashes[i % hashes.length] as string;
    const start = performance.now();
    await store.get(hash);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { n, p50: percentile(samples, 50), p99: percentile(samples, 99), min: samples[0] ?? 0, max: samples[samples.length - 1] ?? 0 };
}

/** Nearest-rank percentile of ascending `sorted` (non-empty). */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}
