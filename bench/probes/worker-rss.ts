/**
 * Diagnostic probe (not a bench row): one point of the scale target (bench/targets/scale.ts) by hand,
 * on its own dev server and worker process, printing RSS by phase. PROBE_NODE_OPTIONS goes to the
 * worker process as NODE_OPTIONS (to try V8 flags or take heap snapshots there).
 *
 * One kind per run: in one process, the client of the first point's stopped server keeps retrying
 * and ends the probe, so run `ours` and `bare` as two commands.
 *
 *   node --import tsx bench/probes/worker-rss.ts [N] [ours|bare]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareScale, runPoint } from '../targets/scale.js';
import type { BenchContext } from '../targets/types.js';

const jobs = Number(process.argv[2] ?? 100);
const kind = process.argv[3] ?? 'ours';
if (!Number.isInteger(jobs) || jobs < 1 || (kind !== 'ours' && kind !== 'bare')) {
  console.error(`usage: node --import tsx bench/probes/worker-rss.ts [N, a whole number >= 1] [ours|bare] (got ${JSON.stringify(process.argv.slice(2))})`);
  process.exit(2);
}
const scratch = await mkdtemp(path.join(tmpdir(), 'worker-rss-'));
const ctx: BenchContext = {
  quick: false,
  repeats: () => 1,
  wants: () => true,
  scratch,
  shared: (_key, create) => create(), // one point per process: nothing is asked for twice
  log: (m) => console.error(m),
};
try {
  const { bundles, shape } = await prepareScale(ctx);
  const nodeOptions = process.env['PROBE_NODE_OPTIONS'];
  const signal = process.env['PROBE_SNAPSHOT_SIGNAL'];
  const onPhase = async (phase: string, pid: number) => {
    if (!signal) return;
    process.kill(pid, signal);
    console.error(`sent ${signal} to the worker (${phase})`);
    await new Promise((resolve) => setTimeout(resolve, 15_000)); // the snapshot is written on the worker's main thread
  };
  const p = await runPoint({ kind, jobs, ctx, bundles, shape, onPhase, ...(nodeOptions ? { nodeOptions } : {}) });
  console.log(`${kind} ${jobs}: idle ${p.idle_rss_mb} MB, bound ${p.bound_rss_mb}, swapped ${p.swapped_rss_mb}, peak ${p.peak_rss_mb}, end ${p.end_rss_mb}; swap p50 ${p.swap_p50_ms} p99 ${p.swap_p99_ms}; WFT max ${p.wft_max_ms}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
