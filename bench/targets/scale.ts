/**
 * Scale, against a bare Temporal worker measured in the same run (issue #17):
 *
 * - `worker-rss-ratio`: peak RSS of a `ctxpack worker` running N = 100 concurrent governed jobs over
 *   the peak RSS of a bare worker process (same SDK options) running 100 bare workflows of the same
 *   shape (bench/workflows/bare.ts). Target <= 1.25x.
 * - `swap-under-load`: swap p50 and p99 with 200 concurrent jobs each receiving 5 swaps, over a bare
 *   Update that runs one no-op activity on 200 concurrent bare workflows. Target <= 1.5x each, and no
 *   workflow task of ours over 2 s (measured from history: WorkflowTaskStarted to Completed).
 * - `growth-curves`: for N = 10, 50, 100, 200, peak RSS, swap p50/p99 and throughput, ours and bare,
 *   in the JSON report and drawn to bench/results/growth.svg.
 *
 * Every point runs on a fresh dev server with a fresh worker process, bare then ours: each job binds,
 * holds its first model call at a gate, takes 5 swaps (Updates, concurrent across jobs, one after the
 * other within a job), then the gate opens and every job runs to the end.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../cli/temporal/dev-server.js';
import { governedJob, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { builtCli, CLI } from '../support/built-cli.js';
import { growthChart } from '../support/chart.js';
import { percentile, round } from '../support/stats.js';
import { benchTemporal, exampleCopy, GATED_SCRIPT } from '../support/temporal.js';
import { bareJob, bareStep, bareSwap, type BareShape, type BareStep } from '../workflows/bare.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

const BARE_WORKER = fileURLToPath(new URL('../probes/bare-worker.mjs', import.meta.url));
const CHART = fileURLToPath(new URL('../results/growth.svg', import.meta.url));
const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';
const TINY = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
const BIG = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };
const SWAPS = 5;
const HELD = GATED_SCRIPT.replace('wait_for: .gate/go', 'wait_for: .gate/go\n    wait_timeout_seconds: 3600');

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

/** One point of a curve: one kind of worker at one N. */
export interface ScalePoint {
  readonly kind: 'ours' | 'bare';
  readonly jobs: number;
  readonly idle_rss_mb: number;
  readonly peak_rss_mb: number;
  /** Peak RSS so far once every job is bound, once every swap is done, and the RSS at the end: where the peak is reached. */
  readonly bound_rss_mb: number;
  readonly swapped_rss_mb: number;
  readonly end_rss_mb: number;
  readonly swap_p50_ms: number;
  readonly swap_p99_ms: number;
  readonly iterations_per_s: number;
  /** Workflow tasks started under the swap load (before the gate opened): the bound the issue sets. */
  readonly wft_max_ms: number;
  readonly wft_p99_ms: number;
  /** Every workflow task of the run, the gated run to the end included (ours then also runs each job's verification commands: real `node --test` processes the bare workflow does not have). */
  readonly wft_max_all_ms: number;
}

const at = (e: Event | undefined) => (e ? Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6 : Number.NaN);
const bytes = (payloads: temporal.api.common.v1.IPayloads | null | undefined) => (payloads?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0);

/** Workflow task durations (started to completed) in a set of histories, in ms, with when each started (epoch ms). */
function workflowTasks(histories: readonly History[]): { started: number; ms: number }[] {
  return histories.flatMap((h) => {
    const events = h.events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    return events.flatMap((e) => {
      if (!e.workflowTaskCompletedEventAttributes) return [];
      const started = at(byId.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId)));
      return [{ started, ms: at(e) - started }];
    });
  });
}

/** The governed job's activities in order with their payload sizes, read from one real history. */
export function shapeOf(history: History): BareShape {
  const events = history.events ?? [];
  const results = new Map<number, number>();
  for (const e of events) if (e.activityTaskCompletedEventAttributes) results.set(Number(e.activityTaskCompletedEventAttributes.scheduledEventId), bytes(e.activityTaskCompletedEventAttributes.result));
  const steps: BareStep[] = [];
  let swap = { input: 0, output: 0 };
  let held = false;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (!s) continue;
    const step = { type: s.activityType?.name ?? '?', input: bytes(s.input), output: results.get(Number(e.eventId)) ?? 0 };
    if (step.type === 'swapPacks') swap = { input: step.input, output: step.output };
    else if (step.type === 'invokeModel' && !held) {
      held = true;
      steps.push({ ...step, hold: true });
    } else steps.push(step);
  }
  if (!held || swap.input === 0) throw new Error('the shape run had no held model call or no swap');
  return { steps, swap };
}

/** Peak (VmHWM) and current (VmRSS) resident set of a Linux process, in bytes. */
async function rss(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

interface WorkerProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

async function startWorker(command: readonly string[], ready: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, command, { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${output.slice(-2000)}`)));
  });
  return {
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitAll<T>(items: readonly T[], ready: (item: T) => Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const item of items) {
    while (!(await ready(item).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export interface PointPlan {
  readonly kind: 'ours' | 'bare';
  readonly jobs: number;
  readonly ctx: BenchContext;
  readonly bundles: { readonly ours: string; readonly bare: string };
  readonly shape: BareShape;
  /** NODE_OPTIONS for the worker process (probes only: the bench rows run both workers as they ship). */
  readonly nodeOptions?: string;
  /** Called with the worker's pid once every job is bound and once every swap is done (probes: heap snapshots). */
  readonly onPhase?: (phase: 'bound' | 'swapped', pid: number) => Promise<void>;
}

/** Runs one point on its own dev server and worker process. */
export async function runPoint(plan: PointPlan): Promise<ScalePoint> {
  const { kind, jobs, ctx } = plan;
  const server = await startDevServer({ ui: false });
  const dir = await exampleCopy(ctx, `scale-${kind}-${jobs}`, HELD);
  const gate = path.join(dir, '.gate/go');
  const taskQueue = `bench-scale-${kind}-${jobs}`;
  const slots = String(jobs + 50); // a held call per job, plus room for the swaps and bindings
  const env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, ...(plan.nodeOptions ? { NODE_OPTIONS: plan.nodeOptions } : {}) };
  const worker =
    kind === 'ours'
      ? await startWorker([CLI, 'worker', '--task-queue', taskQueue, '--workspace', `demo=${dir}`, '--workflow-bundle', plan.bundles.ours, '--identity', 'bench-worker', '--max-concurrent-activities', slots], 'ctxpack worker ready', env)
      : await startWorker([BARE_WORKER, server.address, server.namespace, taskQueue, plan.bundles.bare, gate, slots], 'bare worker ready', env);
  try {
    const idle = await rss(worker.pid);
    const client = server.client;
    const handles = await startJobs(client, kind, jobs, taskQueue, plan.shape);
    const bound = await rss(worker.pid);
    await plan.onPhase?.('bound', worker.pid);
    const latencies: number[] = [];
    await Promise.all(
      handles.map(async (handle, i) => {
        for (let n = 0; n < SWAPS; n += 1) {
          const seat = n % 2 === 0 ? BIG : TINY;
          const start = performance.now();
          if (kind === 'ours') {
            await (handle as WorkflowHandle<typeof governedJob>).executeUpdate(requestModelSwap, {
              args: [{ request_id: `scale-${i}-${n}`, target_role: seat.role, model: seat.model, provider: seat.provider, reason: 'swap', requester: 'bench' }],
            });
          } else {
            await (handle as WorkflowHandle<typeof bareJob>).executeUpdate(bareSwap, { args: ['x'.repeat(plan.shape.swap.input)] });
          }
          latencies.push(performance.now() - start);
        }
      }),
    );
    const swapped = await rss(worker.pid);
    await plan.onPhase?.('swapped', worker.pid);
    await mkdir(path.dirname(gate), { recursive: true });
    const released = performance.now();
    const releasedAt = Date.now(); // the dev server runs on this machine: history times share this clock
    await writeFile(gate, '');
    await Promise.all(handles.map((h) => h.result()));
    const wallS = (performance.now() - released) / 1000;
    const peak = await rss(worker.pid);
    const histories = await Promise.all(handles.map(async (h) => (await h.fetchHistory()) as History));
    const tasks = workflowTasks(histories);
    const underSwaps = tasks.filter((t) => t.started < releasedAt).map((t) => t.ms);
    const all = tasks.map((t) => t.ms);
    // Iterations: model calls after the gate opened (the held one and every later one).
    const heldAndAfter = plan.shape.steps.filter((s, i, all) => s.type === 'invokeModel' && i >= all.findIndex((x) => x.hold)).length;
    return {
      kind,
      jobs,
      idle_rss_mb: round(idle.peak / 1e6),
      peak_rss_mb: round(peak.peak / 1e6),
      bound_rss_mb: round(bound.peak / 1e6),
      swapped_rss_mb: round(swapped.peak / 1e6),
      end_rss_mb: round(peak.now / 1e6),
      swap_p50_ms: round(percentile(latencies, 50)),
      swap_p99_ms: round(percentile(latencies, 99)),
      iterations_per_s: round((jobs * heldAndAfter) / wallS),
      wft_max_ms: round(Math.max(...underSwaps)),
      wft_p99_ms: round(percentile(underSwaps, 99)),
      wft_max_all_ms: round(Math.max(...all)),
    };
  } finally {
    await worker.stop();
    await server.stop();
  }
}

async function startJobs(client: Client, kind: 'ours' | 'bare', jobs: number, taskQueue: string, shape: BareShape): Promise<WorkflowHandle[]> {
  const ids = Array.from({ length: jobs }, (_, i) => `bench-scale-${kind}-${i}`);
  if (kind === 'ours') {
    const handles = await Promise.all(ids.map((workflowId) => client.workflow.start(governedJob, { taskQueue, workflowId, args: [{ workspace_id: 'demo', work_unit: WORK_UNIT, seat: TINY }] })));
    await waitAll(handles, async (h) => {
      const s = await h.query(packState);
      return s.binding !== null && s.status === 'running';
    }, 'every job to bind');
    return handles;
  }
  const handles = await Promise.all(ids.map((workflowId) => client.workflow.start(bareJob, { taskQueue, workflowId, args: [shape] })));
  const heldAt = shape.steps.findIndex((s) => s.hold);
  await waitAll(handles, async (h) => (await h.query(bareStep)) >= heldAt, 'every bare job to reach its held step');
  return handles;
}

/** One governed job with one swap on an in-process-free worker: the shape the bare workflow copies. */
async function recordShape(ctx: BenchContext, oursBundle: string): Promise<BareShape> {
  const server: DevServer = await startDevServer({ ui: false });
  const dir = await exampleCopy(ctx, 'scale-shape', HELD);
  const taskQueue = 'bench-scale-shape';
  const worker = await startWorker([CLI, 'worker', '--task-queue', taskQueue, '--workspace', `demo=${dir}`, '--workflow-bundle', oursBundle, '--identity', 'bench-worker'], 'ctxpack worker ready', { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace });
  try {
    const [handle] = await startJobs(server.client, 'ours', 1, taskQueue, { steps: [], swap: { input: 0, output: 0 } });
    const job = handle as WorkflowHandle<typeof governedJob>;
    await job.executeUpdate(requestModelSwap, { args: [{ request_id: 'shape', target_role: BIG.role, model: BIG.model, provider: BIG.provider, reason: 'swap', requester: 'bench' }] });
    await mkdir(path.join(dir, '.gate'), { recursive: true });
    await writeFile(path.join(dir, '.gate/go'), '');
    await job.result();
    return shapeOf((await job.fetchHistory()) as History);
  } finally {
    await worker.stop();
    await server.stop();
  }
}

/** The built bin, both workflow bundles and the governed job's shape: what every point needs. */
export async function prepareScale(ctx: BenchContext): Promise<{ bundles: PointPlan['bundles']; shape: BareShape }> {
  await builtCli(ctx);
  const t = await benchTemporal(ctx); // the bundle of our workflows; its server is not used here
  await t.server.stop();
  const bareBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../workflows/bare.ts', import.meta.url)), logger: new DefaultLogger('ERROR') });
  const bundles = { ours: t.bundlePath, bare: path.join(ctx.scratch, 'bare-workflows.js') };
  await writeFile(bundles.bare, bareBundle.code);
  ctx.log("scale: recording the governed job's shape");
  return { bundles, shape: await recordShape(ctx, bundles.ours) };
}

/** N values: the four, fewer with --quick, or BENCH_SCALE_SIZES=10,100 to look at a few by hand. */
function sizesFor(ctx: BenchContext): number[] {
  const custom = process.env['BENCH_SCALE_SIZES']?.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (custom && custom.length > 0) return custom;
  return ctx.quick ? [5, 10] : [10, 50, 100, 200];
}

export const scale: BenchTarget = {
  id: 'scale',
  title: 'Worker memory, swaps under load and growth curves against a bare Temporal worker',
  results: ['worker-rss-ratio', 'swap-under-load', 'growth-curves'],
  async run(ctx) {
    const { bundles, shape } = await prepareScale(ctx);
    const sizes = sizesFor(ctx);
    const points: ScalePoint[] = [];
    for (const jobs of sizes) {
      for (const kind of ['bare', 'ours'] as const) {
        ctx.log(`scale: ${kind}, ${jobs} concurrent jobs x ${SWAPS} swaps`);
        const p = await runPoint({ kind, jobs, ctx, bundles, shape });
        ctx.log(`scale: ${kind} ${jobs}: RSS idle ${p.idle_rss_mb} MB, peak bound ${p.bound_rss_mb}, swapped ${p.swapped_rss_mb}, end ${p.peak_rss_mb} (now ${p.end_rss_mb}); swap p50 ${p.swap_p50_ms} ms p99 ${p.swap_p99_ms}; WFT max ${p.wft_max_ms} ms under swaps, ${p.wft_max_all_ms} ms in the whole run; ${p.iterations_per_s} it/s`);
        points.push(p);
      }
    }
    const point = (kind: 'ours' | 'bare', jobs: number) => points.find((p) => p.kind === kind && p.jobs === jobs) as ScalePoint;
    const rssAt = sizes.includes(100) ? 100 : (sizes.at(-1) as number);
    const loadAt = sizes.includes(200) ? 200 : (sizes.at(-1) as number);
    const results: BenchResult[] = [];
    const [oursRss, bareRss] = [point('ours', rssAt), point('bare', rssAt)];
    const rssRatio = oursRss.peak_rss_mb / bareRss.peak_rss_mb;
    results.push({
      id: 'worker-rss-ratio',
      title: `Worker peak RSS, ${rssAt} concurrent governed jobs (${SWAPS} swaps each) vs a bare worker`,
      value: round(rssRatio),
      unit: 'x',
      target: '<= 1.25x',
      baseline: `bare worker, ${rssAt} bare workflows of the same shape: ${bareRss.peak_rss_mb} MB peak (idle ${bareRss.idle_rss_mb} MB); ours ${oursRss.peak_rss_mb} MB (idle ${oursRss.idle_rss_mb} MB)`,
      met: rssRatio <= 1.25,
      rerun: ['npm run bench -- --only worker-rss-ratio'],
      details: { ours_peak_mb: oursRss.peak_rss_mb, ours_idle_mb: oursRss.idle_rss_mb, bare_peak_mb: bareRss.peak_rss_mb, bare_idle_mb: bareRss.idle_rss_mb, throughput_rss_mb: oursRss.peak_rss_mb, idle_ratio: round(oursRss.idle_rss_mb / bareRss.idle_rss_mb) },
    });
    const [oursLoad, bareLoad] = [point('ours', loadAt), point('bare', loadAt)];
    const p50 = oursLoad.swap_p50_ms / bareLoad.swap_p50_ms;
    const p99 = oursLoad.swap_p99_ms / bareLoad.swap_p99_ms;
    results.push({
      id: 'swap-under-load',
      title: `Swap p50/p99, ${loadAt} concurrent jobs x ${SWAPS} swaps (value: the worse of the two ratios)`,
      value: round(Math.max(p50, p99)),
      unit: 'x',
      target: '<= 1.5x (p50 and p99), no workflow task over 2 s',
      baseline: `bare Update + one no-op activity on ${loadAt} bare workflows: p50 ${bareLoad.swap_p50_ms} ms, p99 ${bareLoad.swap_p99_ms} ms; ours p50 ${oursLoad.swap_p50_ms} ms, p99 ${oursLoad.swap_p99_ms} ms; our longest workflow task under the swap load ${oursLoad.wft_max_ms} ms (${oursLoad.wft_max_all_ms} ms over the whole run, verification commands included)`,
      met: p50 <= 1.5 && p99 <= 1.5 && oursLoad.wft_max_ms <= 2000,
      rerun: ['npm run bench -- --only swap-under-load'],
      details: { p50_ratio: round(p50), p99_ratio: round(p99), ours_wft_max_ms: oursLoad.wft_max_ms, ours_wft_p99_ms: oursLoad.wft_p99_ms, ours_wft_max_all_ms: oursLoad.wft_max_all_ms, bare_wft_max_all_ms: bareLoad.wft_max_all_ms, bare_wft_max_ms: bareLoad.wft_max_ms, bare_wft_p99_ms: bareLoad.wft_p99_ms },
    });
    await mkdir(path.dirname(CHART), { recursive: true });
    if (!ctx.quick && !process.env['BENCH_SCALE_SIZES']) await writeFile(CHART, growthChart(points));
    results.push({
      id: 'growth-curves',
      title: `Growth with N concurrent jobs (N = ${sizes.join(', ')}): peak RSS, swap p50/p99, throughput, ours and bare`,
      value: round(point('ours', sizes.at(-1) as number).peak_rss_mb / point('ours', sizes[0] as number).peak_rss_mb),
      unit: `x RSS from N=${sizes[0]} to N=${sizes.at(-1)}`,
      target: 'reported (chart: bench/results/growth.svg)',
      baseline: `bare: ${round(point('bare', sizes.at(-1) as number).peak_rss_mb / point('bare', sizes[0] as number).peak_rss_mb)}x over the same range`,
      met: true,
      rerun: ['npm run bench -- --only growth-curves'],
      details: Object.fromEntries(points.flatMap((p) => Object.entries(p).filter(([k]) => k !== 'kind' && k !== 'jobs').map(([k, v]) => [`${p.kind}_n${p.jobs}_${k}`, v as number]))),
    });
    return results;
  },
};
