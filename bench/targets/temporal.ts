/**
 * Targets 3 and 4, on one real dev server started for them:
 *
 * 3. `swap-latency`: p50 of `requestModelSwap` on the reuse path vs a bare Update that runs one no-op
 *    activity (the floor any Update-plus-activity design pays), 200 each, interleaved in blocks.
 * 4. `history-per-iteration` (events and bytes one more micro-task iteration adds) and
 *    `history-pack-size` (history bytes of the same job with a ~1 MiB vs a ~1 KiB work-unit pack:
 *    packs never enter history, so within 5%).
 *
 * Worker memory and throughput at scale are in scale.ts (`worker-rss-ratio`, `growth-curves`), each
 * against a bare Temporal worker measured in the same run; the old absolute `throughput-rss` figure
 * is that row's `throughput_rss_mb` detail.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadWorkUnitPack } from '../../shared/engine/pack-io.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { invocations } from '../../cli/temporal/history-records.js';
import { median, percentile, round } from '../support/stats.js';
import { benchTemporal, exampleCopy, GATED_SCRIPT, type BenchTemporal } from '../support/temporal.js';
import { governedJob, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { finish, noopUpdate, updateBaseline } from '../workflows/index.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';
const TINY = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
const BIG = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Swap latency

/**
 * Fresh workflows every `block` Updates: the dev server answers Updates on a workflow that has had
 * more than ~50 of them in ~50 ms steps (seen with the bare baseline alone), a floor that would hide
 * any difference between the two. Each block: a new gated job and a new baseline workflow, two
 * warm-up swaps (the first to each seat may rebuild), then `block` no-op Updates and `block` swaps.
 */
async function swapLatency(ctx: BenchContext, t: BenchTemporal): Promise<BenchResult> {
  const n = ctx.quick ? 20 : 200;
  const block = ctx.quick ? 10 : 20;
  const swaps: number[] = [];
  const noops: number[] = [];
  let reused = 0;
  for (let b = 0; b * block < n; b += 1) {
    const dir = await exampleCopy(ctx, `swap-${b}`, GATED_SCRIPT);
    const taskQueue = `bench-swap-${b}`;
    const worker = await Worker.create({
      connection: t.connection,
      taskQueue,
      workflowBundle: { codePath: t.bundlePath },
      activities: { ...createActivities({ workspaces: { demo: dir } }), noop: async (k: number) => k },
    });
    await worker.runUntil(async () => {
      const job = await t.client.workflow.start(governedJob, {
        taskQueue,
        workflowId: `bench-swap-job-${b}`,
        args: [{ workspace_id: 'demo', work_unit: WORK_UNIT, seat: TINY }],
      });
      const baseline = await t.client.workflow.start(updateBaseline, { taskQueue, workflowId: `bench-swap-baseline-${b}` });
      await until(async () => ((await job.query(packState)).binding ? true : undefined), 'the job to bind its packs');
      let k = 0;
      const swapOnce = async () => {
        k += 1;
        const seat = k % 2 === 1 ? BIG : TINY;
        const start = performance.now();
        const result = await job.executeUpdate(requestModelSwap, {
          args: [{ request_id: `bench-${b}-${k}`, target_role: 'coder', model: seat.model, provider: seat.provider, reason: 'swap', requester: 'bench' }],
        });
        return { ms: performance.now() - start, reused: result.decision === 'reused' };
      };
      const noopOnce = async () => {
        const start = performance.now();
        await baseline.executeUpdate(noopUpdate, { args: [k] });
        return performance.now() - start;
      };
      for (let i = 0; i < 2; i += 1) {
        await swapOnce();
        await noopOnce();
      }
      // Interleaved one by one, so drift and noise fall on both alike.
      for (let i = 0; i < block; i += 1) {
        noops.push(await noopOnce());
        const s = await swapOnce();
        swaps.push(s.ms);
        if (s.reused) reused += 1;
      }
      await mkdir(path.join(dir, '.gate'), { recursive: true });
      await writeFile(path.join(dir, '.gate/go'), '');
      await baseline.signal(finish);
      await job.result();
      await baseline.result();
    });
  }
  const measured = swaps.length;
  const p50 = median(swaps);
  const base50 = median(noops);
  const ratio = p50 / base50;
  return {
    id: 'swap-latency',
    title: `requestModelSwap, reuse path (${measured} swaps; ${reused} reused)`,
    value: round(ratio),
    unit: 'x',
    target: '<= 1.5x',
    baseline: `bare Update + one no-op activity, ${noops.length} Updates: p50 ${round(base50)} ms, p99 ${round(percentile(noops, 99))} ms`,
    met: ratio <= 1.5 && reused === measured,
    rerun: ['npm run bench -- --only swap-latency'],
    details: {
      swap_p50_ms: round(p50),
      swap_p99_ms: round(percentile(swaps, 99)),
      baseline_p50_ms: round(base50),
      baseline_p99_ms: round(percentile(noops, 99)),
      p99_ratio: round(percentile(swaps, 99) / percentile(noops, 99)),
      reused,
      method: `fresh job and baseline workflow every ${block} Updates (see bench/targets/temporal.ts)`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 4. History cost

/** A workspace whose one micro-task fails verification `failures` times, then passes. */
async function failingThenPassing(ctx: BenchContext, label: string, failures: number): Promise<string> {
  const dir = await exampleCopy(ctx, label);
  const role = path.join(dir, '.ctxpack/roles/coder.yaml');
  await writeFile(role, (await readFile(role, 'utf8')).replace('escalate_after_failures: 2', 'escalate_after_failures: 100').replace('max_iterations: 6', 'max_iterations: 50'));
  const unit = path.join(dir, WORK_UNIT);
  await writeFile(unit, (await readFile(unit, 'utf8')).replace('  - { id: MT-7.2, title: Require a positive integer port }\n', ''));
  const restore = await readFile(path.join(dir, 'src/config.js'), 'utf8');
  const rules = Array.from(
    { length: failures },
    (_, i) => `  - when: { iteration: ${i + 1} }\n    text: broken\n    tool_calls: [{ tool: write_file, path: src/config.js, content: "syntax error (" }]\n`,
  ).join('');
  await writeFile(
    path.join(dir, '.ctxpack/scripts/demo.yaml'),
    `schema_version: 1\nresponses:\n${rules}  - when: {}\n    text: fixed\n    tool_calls: [{ tool: write_file, path: src/config.js, content: ${JSON.stringify(restore)} }]\n`,
  );
  return dir;
}

/** Trims the work unit to the least a pack can hold: no context sources, no required files. */
async function smallest(dir: string): Promise<void> {
  const unit = path.join(dir, WORK_UNIT);
  const text = await readFile(unit, 'utf8');
  await writeFile(
    unit,
    text
      .replace(/required_files:\n(?:  - .*\n)+/, 'required_files: []\n')
      .replace(/context_sources:\n(?:  - .*\n)+/, 'context_sources: []\n'),
  );
}

/** Adds `count` small required files to the work unit: each adds a path, hash and size to the pack. */
async function withRequiredFiles(dir: string, count: number): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const rel = `src/gen/d${String(Math.floor(i / 200)).padStart(3, '0')}/module-${String(i).padStart(5, '0')}.js`;
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), `export const value${i} = ${i};\n`);
    lines.push(`  - ${rel}`);
  }
  const unit = path.join(dir, WORK_UNIT);
  await writeFile(unit, (await readFile(unit, 'utf8')).replace(/required_files:(?: \[\])?\n/, `required_files:\n${lines.join('\n')}\n`));
}

async function runJob(t: BenchTemporal, dir: string, workflowId: string): Promise<{ events: number; bytes: number; packBytes: number; iterations: number }> {
  const taskQueue = `bench-history-${workflowId}`;
  const worker = await Worker.create({
    connection: t.connection,
    taskQueue,
    workflowBundle: { codePath: t.bundlePath },
    activities: createActivities({ workspaces: { demo: dir } }),
  });
  const handle: WorkflowHandle<typeof governedJob> = await t.client.workflow.start(governedJob, {
    taskQueue,
    workflowId,
    args: [{ workspace_id: 'demo', work_unit: WORK_UNIT, seat: BIG }],
  });
  const result = await worker.runUntil(handle.result());
  const history = await handle.fetchHistory();
  const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
  const packBytes = (await store.get(result.binding.work_unit_pack_hash)).length;
  await loadWorkUnitPack(store, result.binding.work_unit_pack_hash); // schema-checks: a real pack
  return { events: history.events?.length ?? 0, bytes: Buffer.byteLength(historyToJSON(history)), packBytes, iterations: invocations(history).length };
}

async function historyCost(ctx: BenchContext, t: BenchTemporal): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // Workflow ids of equal length, so id text does not tilt the byte counts.
  const one = await runJob(t, await failingThenPassing(ctx, 'h1', 0), 'bench-hist-1');
  const two = await runJob(t, await failingThenPassing(ctx, 'h2', 1), 'bench-hist-2');
  const ten = await runJob(t, await failingThenPassing(ctx, 'h10', 9), 'bench-hist-a');
  if (one.iterations !== 1 || two.iterations !== 2 || ten.iterations !== 10) throw new Error('unexpected iteration counts');
  const perIteration = two.bytes - one.bytes;
  results.push({
    id: 'history-per-iteration',
    title: 'History added by one micro-task iteration (prepare, invoke, apply, verify)',
    value: perIteration,
    unit: 'bytes',
    target: 'constant: a 10-iteration job adds <= 1.1x this per iteration',
    baseline: `1-iteration job ${one.events} events / ${one.bytes} B; 10 iterations ${ten.events} events / ${ten.bytes} B`,
    met: (ten.bytes - one.bytes) / 9 <= perIteration * 1.1,
    rerun: ['npm run bench -- --only history-per-iteration'],
    details: { events_per_iteration: two.events - one.events, bytes_per_iteration: perIteration, ten_iteration_events: ten.events, ten_iteration_bytes: ten.bytes },
  });

  const small = await failingThenPassing(ctx, 'hs', 0);
  await smallest(small);
  const large = await failingThenPassing(ctx, 'hl', 0);
  await withRequiredFiles(large, ctx.quick ? 500 : 4200);
  const s = await runJob(t, small, 'bench-pack-s');
  if (s.packBytes > 4096) throw new Error(`the small pack is ${s.packBytes} bytes; expected about 1 KiB`);
  const l = await runJob(t, large, 'bench-pack-l');
  const ratio = l.bytes / s.bytes;
  results.push({
    id: 'history-pack-size',
    title: `History bytes, ${(l.packBytes / 1024).toFixed(0)} KiB vs ${(s.packBytes / 1024).toFixed(1)} KiB work-unit pack`,
    value: round(ratio),
    unit: 'x',
    target: 'within 5% (0.95x-1.05x)',
    baseline: `the same job with the small pack: ${s.bytes} B of history (${s.events} events); large: ${l.bytes} B (${l.events} events)`,
    met: ratio >= 0.95 && ratio <= 1.05,
    rerun: ['npm run bench -- --only history-pack-size'],
    details: { small_pack_bytes: s.packBytes, large_pack_bytes: l.packBytes, small_history_bytes: s.bytes, large_history_bytes: l.bytes },
  });
  return results;
}

export const temporalTargets: BenchTarget = {
  id: 'temporal',
  title: 'Swap latency (idle) and history cost on a real dev server',
  results: ['swap-latency', 'history-per-iteration', 'history-pack-size'],
  async run(ctx) {
    const t = await benchTemporal(ctx);
    try {
      const results: BenchResult[] = [];
      if (ctx.wants('swap-latency')) results.push(await swapLatency(ctx, t));
      if (ctx.wants('history-per-iteration') || ctx.wants('history-pack-size')) results.push(...(await historyCost(ctx, t)));
      return results;
    } finally {
      await t.server.stop();
    }
  },
};
