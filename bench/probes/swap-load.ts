/**
 * Diagnostic probe (not a bench row): N gated governed jobs with S swaps each on one in-process worker,
 * then the same with bare workflows, printing swap latencies and where the time went (workflow task
 * and activity durations from history).
 *
 *   node --import tsx bench/probes/swap-load.ts [N] [S] [ours|bare|both]
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { benchTemporal, exampleCopy, GATED_SCRIPT } from '../support/temporal.js';
import { governedJob, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { finish, noopUpdate, updateBaseline } from '../workflows/index.js';
import { percentile } from '../support/stats.js';
import type { BenchContext } from '../targets/types.js';

const N = Number(process.argv[2] ?? 50);
const S = Number(process.argv[3] ?? 5);
const MODE = process.argv[4] ?? 'both';
const TINY = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
const BIG = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };

const pct = (values: number[], p: number) => Math.round(percentile(values, p));
const ms = (t: temporal.api.history.v1.IHistoryEvent) => Number(t.eventTime?.seconds ?? 0) * 1000 + Math.round((t.eventTime?.nanos ?? 0) / 1e6);

function historyStats(histories: temporal.api.history.v1.IHistory[]) {
  const wftRun: number[] = [];
  const wftWait: number[] = [];
  const act: Record<string, { run: number[]; wait: number[] }> = {};
  for (const h of histories) {
    const events = h.events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const e of events) {
      if (e.workflowTaskCompletedEventAttributes) {
        const started = byId.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
        const scheduled = byId.get(Number(e.workflowTaskCompletedEventAttributes.scheduledEventId));
        if (started) wftRun.push(ms(e) - ms(started));
        if (started && scheduled) wftWait.push(ms(started) - ms(scheduled));
      }
      if (e.activityTaskCompletedEventAttributes) {
        const started = byId.get(Number(e.activityTaskCompletedEventAttributes.startedEventId));
        const scheduled = byId.get(Number(e.activityTaskCompletedEventAttributes.scheduledEventId));
        const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        const slot = (act[type] ??= { run: [], wait: [] });
        if (started) slot.run.push(ms(e) - ms(started));
        if (started && scheduled) slot.wait.push(ms(started) - ms(scheduled));
      }
    }
  }
  const summary = (v: number[]) => `n=${v.length} p50=${pct(v, 50)} p99=${pct(v, 99)} max=${pct(v, 100)}`;
  console.log(`  WFT run   ${summary(wftRun)}`);
  console.log(`  WFT wait  ${summary(wftWait)}`);
  for (const [type, v] of Object.entries(act)) console.log(`  ${type.padEnd(18)} run ${summary(v.run)} | wait ${summary(v.wait)}`);
}

async function serverCpuMs(pid: number | undefined): Promise<number> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(stat[11]) + Number(stat[12])) * 10;
}
async function cpuMark(pid: number | undefined) {
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, server: await serverCpuMs(pid) };
}
async function cpuSince(pid: number | undefined, m: { self: number; server: number }, label: string, per: number) {
  const now = await cpuMark(pid);
  console.log(`  cpu ${label}: worker+client ${Math.round(now.self - m.self)} ms (${((now.self - m.self) / per).toFixed(1)}/op), server ${Math.round(now.server - m.server)} ms (${((now.server - m.server) / per).toFixed(1)}/op)`);
}

const scratch = await mkdtemp(path.join(tmpdir(), 'swap-load-'));
const ctx: BenchContext = { quick: false, repeats: () => 1, wants: () => true, scratch, shared: (_k, c) => c(), log: (m) => console.error(m) };
const t = await benchTemporal(ctx);
try {
  const dir = await exampleCopy(ctx, 'load', GATED_SCRIPT.replace('wait_for: .gate/go', 'wait_for: .gate/go\n    wait_timeout_seconds: 3600'));
  const options = { maxConcurrentActivityTaskExecutions: N + 50, maxConcurrentWorkflowTaskExecutions: 50 };
  if (MODE !== 'ours') {
    const taskQueue = 'probe-bare';
    const worker = await Worker.create({ connection: t.connection, taskQueue, workflowBundle: { codePath: t.bundlePath }, activities: { noop: async (k: number) => k }, ...options });
    await worker.runUntil(async () => {
      const handles = await Promise.all(Array.from({ length: N }, (_, i) => t.client.workflow.start(updateBaseline, { taskQueue, workflowId: `probe-bare-${i}` })));
      const lat: number[] = [];
      const start = performance.now();
      const mark = await cpuMark(t.server.pid);
      await Promise.all(
        handles.map(async (h) => {
          for (let n = 0; n < S; n += 1) {
            const s = performance.now();
            await h.executeUpdate(noopUpdate, { args: [n] });
            lat.push(performance.now() - s);
          }
        }),
      );
      await cpuSince(t.server.pid, mark, 'update phase', N * S);
      console.log(`bare: wall ${Math.round(performance.now() - start)} ms, update p50 ${pct(lat, 50)} p99 ${pct(lat, 99)}`);
      await Promise.all(handles.map((h) => h.signal(finish)));
      await Promise.all(handles.map((h) => h.result()));
      historyStats(await Promise.all(handles.map(async (h) => (await h.fetchHistory()) as temporal.api.history.v1.IHistory)));
    });
  }
  if (MODE !== 'bare') {
    const taskQueue = 'probe-ours';
    const worker = await Worker.create({ connection: t.connection, taskQueue, workflowBundle: { codePath: t.bundlePath }, activities: createActivities({ workspaces: { demo: dir } }), ...options });
    await worker.runUntil(async () => {
      const handles: WorkflowHandle<typeof governedJob>[] = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          t.client.workflow.start(governedJob, { taskQueue, workflowId: `probe-ours-${i}`, args: [{ workspace_id: 'demo', work_unit: '.ctxpack/work-units/wp-7.yaml', seat: TINY }] }),
        ),
      );
      const bound = performance.now();
      for (const h of handles) {
        for (;;) {
          const s = await h.query(packState).catch(() => undefined);
          if (s?.binding && s.status === 'running') break;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      console.log(`ours: bound in ${Math.round(performance.now() - bound)} ms`);
      const lat: number[] = [];
      const start = performance.now();
      const mark = await cpuMark(t.server.pid);
      await Promise.all(
        handles.map(async (h, i) => {
          for (let n = 0; n < S; n += 1) {
            const seat = n % 2 === 0 ? BIG : TINY;
            const s = performance.now();
            await h.executeUpdate(requestModelSwap, { args: [{ request_id: `p-${i}-${n}`, target_role: 'coder', model: seat.model, provider: seat.provider, reason: 'swap', requester: 'probe' }] });
            lat.push(performance.now() - s);
          }
        }),
      );
      await cpuSince(t.server.pid, mark, 'swap phase', N * S);
      if (process.env['PROBE_SNAPSHOT']) {
        const { writeHeapSnapshot, getHeapStatistics } = await import('node:v8');
        console.log(`  main heap used ${Math.round(getHeapStatistics().used_heap_size / 1e6)} MB, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
        console.log(`  snapshot: ${writeHeapSnapshot(process.env['PROBE_SNAPSHOT'])}`);
      }
      console.log(`ours: wall ${Math.round(performance.now() - start)} ms, swap p50 ${pct(lat, 50)} p99 ${pct(lat, 99)}`);
      await mkdir(path.join(dir, '.gate'), { recursive: true });
      await writeFile(path.join(dir, '.gate/go'), '');
      await Promise.all(handles.map((h) => h.result()));
      historyStats(await Promise.all(handles.map(async (h) => (await h.fetchHistory()) as temporal.api.history.v1.IHistory)));
    });
  }
} finally {
  await t.server.stop();
  await rm(scratch, { recursive: true, force: true });
}
