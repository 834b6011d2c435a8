/**
 * Load: many concurrent governed jobs with several swaps each against one dev server and one worker.
 * All complete, every swap is recorded exactly once, and every pack hash has a stored artifact.
 * Prints wall time and swap latency percentiles (figures, not assertions: the machine is shared).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { swaps as swapRecords } from '../../cli/temporal/history-records.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';
import { withWorker } from '../support/temporal.js';

const JOBS = Number(process.env['CTXPACK_LOAD_JOBS'] ?? 200);
const SWAPS = Number(process.env['CTXPACK_LOAD_SWAPS'] ?? 5);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe(`${JOBS} concurrent governed jobs with ${SWAPS} swaps each`, () => {
  it('all complete, each swap recorded exactly once, every pack stored', async () => {
    const setup = await setupJob('load');
    // Under load the swaps take minutes: let the held first answers wait that long.
    await writeScript(setup.dir, GATED_PASSING_SCRIPT.replace('wait_for: .gate/go', 'wait_for: .gate/go\n    wait_timeout_seconds: 3600'));
    const started = Date.now();
    const latencies: number[] = [];
    await withWorker(
      // Every job holds one model call at the gate until all swaps are done: the worker needs a slot
      // for each of those plus room for the swaps, or the held calls starve the rest (a deadlock).
      { taskQueue: setup.taskQueue, activities: setup.activities, maxConcurrentActivityTaskExecutions: JOBS + 50, maxConcurrentWorkflowTaskExecutions: 50 },
      async () => {
        const handles = await Promise.all(
          Array.from({ length: JOBS }, (_, i) => startJob({ ...setup, workflowId: `${setup.workflowId}-${i}` }, jobInput(TINY))),
        );
        // Poll gently: 200 jobs queried every 100 ms would exceed the dev server's namespace rate limit.
        await Promise.all(handles.map((h) => waitForState(h, (s) => s.binding !== null && s.status === 'running', 600_000, 2_000)));
        await Promise.all(
          handles.map(async (handle, i) => {
            for (let n = 0; n < SWAPS; n += 1) {
              const t = performance.now();
              await handle.executeUpdate(requestModelSwap, { args: [swap(n % 2 === 0 ? BIG : TINY, { request_id: `load-${i}-${n}` })] });
              latencies.push(performance.now() - t);
            }
          }),
        );
        await openGate(setup.dir);
        const results = await Promise.all(handles.map((h) => h.result()));
        expect(results.every((r) => r.status === 'passed')).toBe(true);
        expect(results.every((r) => r.swaps === SWAPS)).toBe(true);

        const store = new FilePackStore(path.join(setup.dir, '.ctxpack/store'));
        for (const [i, handle] of handles.entries()) {
          const history = await handle.fetchHistory();
          const ids = swapRecords(history).map((r) => r.result.result.request_id);
          expect(ids).toEqual(Array.from({ length: SWAPS }, (_, n) => `load-${i}-${n}`));
          for (const record of swapRecords(history)) expect(await store.has(record.result.binding.work_unit_pack_hash)).toBe(true);
        }
      },
    );
    const wall = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const report = { jobs: JOBS, swaps_per_job: SWAPS, wall_s: Number(wall.toFixed(1)), swap_p50_ms: Number(percentile(latencies, 50).toFixed(1)), swap_p99_ms: Number(percentile(latencies, 99).toFixed(1)) };
    process.stdout.write(`\nload: ${JSON.stringify(report)}\n`);
    expect(latencies).toHaveLength(JOBS * SWAPS);
  });
});
