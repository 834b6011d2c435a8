/**
 * Diagnostic probe (not a bench row): the workflow sandbox's heap per cached workflow. One worker in
 * debug mode (workflows in this thread, reusable V8 context, no activities registered), N workflows
 * started and left at their first activity; heap after a full GC, before and after, divided by N.
 *
 *   node --expose-gc --import tsx bench/probes/sandbox-heap.ts [N] [ours|bare]   (PROBE_PRELOAD=none: no preloadModules)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '../../cli/temporal/dev-server.js';
import { WORKFLOW_PRELOAD_MODULES } from '../../workers/workflows-entry.js';
import { governedJob } from '../../workflows/governed-job.js';
import { bareJob } from '../workflows/bare.js';

const N = Number(process.argv[2] ?? 100);
const KIND = process.argv[3] ?? 'ours';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
Runtime.install({ logger: new DefaultLogger('ERROR') });
const scratch = await mkdtemp(path.join(tmpdir(), 'sandbox-heap-'));
const server = await startDevServer({ ui: false });
try {
  const entry = KIND === 'ours' ? '../../workflows/index.ts' : '../workflows/bare.ts';
  // As the plugin bundles (PROBE_PRELOAD=none: without the preload, to see what it saves).
  const preload = process.env['PROBE_PRELOAD'] === 'none' ? undefined : [...WORKFLOW_PRELOAD_MODULES];
  const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL(entry, import.meta.url)), logger: new DefaultLogger('ERROR'), ...(preload ? { preloadModules: preload } : {}) });
  const codePath = path.join(scratch, 'bundle.js');
  await writeFile(codePath, bundle.code);
  const taskQueue = `sandbox-heap-${KIND}`;
  const worker = await Worker.create({ connection: server.nativeConnection, taskQueue, workflowBundle: { codePath }, debugMode: true, maxCachedWorkflows: N + 10 });
  await worker.runUntil(async () => {
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    // One workflow first, so the bundle's shared context and the code are in place before the baseline.
    const start = (i: number) =>
      KIND === 'ours'
        ? server.client.workflow.start(governedJob, { taskQueue, workflowId: `w-${i}`, args: [{ workspace_id: 'demo', work_unit: '.ctxpack/work-units/wp-7.yaml', seat: { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' } }] })
        : server.client.workflow.start(bareJob, { taskQueue, workflowId: `w-${i}`, args: [{ steps: [{ type: 'a', input: 100, output: 100 }], swap: { input: 10, output: 10 } }] });
    const settled = async (ids: number[]) => {
      const deadline = Date.now() + 60_000;
      for (const i of ids) {
        for (;;) {
          const d = await server.client.workflow.getHandle(`w-${i}`).describe();
          if (d.historyLength >= 5) break;
          if (Date.now() > deadline) {
            const history = await server.client.workflow.getHandle(`w-${i}`).fetchHistory();
            const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
            throw new Error(`workflow w-${i} did not settle: ${failed?.workflowTaskFailedEventAttributes?.failure?.message ?? 'no task failure'}\n${failed?.workflowTaskFailedEventAttributes?.failure?.stackTrace ?? ''}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await start(0);
    await settled([0]);
    const before = heap();
    const t0 = performance.now();
    const ids = Array.from({ length: N }, (_, i) => i + 1);
    await Promise.all(ids.map(start));
    await settled(ids);
    const wall = performance.now() - t0;
    const after = heap();
    console.log(`${KIND}: ${N} workflows, heap +${((after - before) / 1e6).toFixed(1)} MB = ${((after - before) / N / 1e3).toFixed(0)} KB per workflow; first tasks done in ${Math.round(wall)} ms`);
    if (process.env['PROBE_SNAPSHOT']) {
      const { writeHeapSnapshot } = await import('node:v8');
      console.log(`snapshot: ${writeHeapSnapshot(process.env['PROBE_SNAPSHOT'])}`);
    }
  });
} finally {
  await server.stop();
  await rm(scratch, { recursive: true, force: true });
}
