/**
 * A worker killed with SIGKILL (a crashed host) mid-iteration or mid-swap loses nothing: a new worker
 * finishes the job, every invocation appears once with its pack hashes, and every pack hash in
 * history is in the store.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocations, swaps } from '../../cli/temporal/history-records.js';
import { FilePackStore } from '../../shared/engine/store/index.js';
import { packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, setupJob, startJob, swap, waitForRunningActivity, waitForState, writeScript } from '../support/governed.js';
import { startWorkerProcess } from '../support/worker-process.js';

async function expectEveryHashStored(dir: string, history: Parameters<typeof invocations>[0]): Promise<void> {
  const store = new FilePackStore(path.join(dir, '.ctxpack/store'));
  for (const record of invocations(history)) {
    expect(await store.has(record.result.identity.role_pack_hash)).toBe(true);
    expect(await store.has(record.result.identity.work_unit_pack_hash)).toBe(true);
  }
  for (const record of swaps(history)) {
    expect(await store.has(record.result.binding.work_unit_pack_hash)).toBe(true);
  }
}

describe('a worker crash', () => {
  it('mid-iteration: a new worker retries the model call and finishes, each invocation recorded once', async () => {
    const setup = await setupJob('kill-invoke');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const handle = await startJob(setup, jobInput(BIG));
    const first = await startWorkerProcess({ taskQueue: setup.taskQueue, workspaceDir: setup.dir });
    await waitForRunningActivity(handle, 'invokeModel');
    await first.kill();

    await openGate(setup.dir);
    const second = await startWorkerProcess({ taskQueue: setup.taskQueue, workspaceDir: setup.dir });
    try {
      const result = await handle.result();
      expect(result.status).toBe('passed');
      const history = await handle.fetchHistory();
      const keys = invocations(history).map((r) => `${r.input.micro_task}#${r.input.iteration}`);
      expect(keys).toEqual(['MT-7.1#1', 'MT-7.2#1']);
      // The killed attempt was retried: the first model call completed on attempt 2.
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
      expect(started.some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)).toBe(true);
      await expectEveryHashStored(setup.dir, history);
    } finally {
      await second.stop();
    }
  });

  it('mid-swap: the Update completes on a new worker and the swap is applied exactly once', async () => {
    const setup = await setupJob('kill-swap');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const swapGate = path.join(setup.dir, '.gate', 'swap');
    await mkdir(path.dirname(swapGate), { recursive: true });
    const handle = await startJob(setup, jobInput(TINY));
    const first = await startWorkerProcess({ taskQueue: setup.taskQueue, workspaceDir: setup.dir, swapGate });
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    const update = handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'mid-swap' })], updateId: 'mid-swap' });
    await waitForRunningActivity(handle, 'swapPacks');
    await first.kill();

    await writeFile(swapGate, 'open');
    const second = await startWorkerProcess({ taskQueue: setup.taskQueue, workspaceDir: setup.dir });
    try {
      const result = await update;
      expect(result).toMatchObject({ request_id: 'mid-swap', seat: BIG, decision: 'reused' });
      await openGate(setup.dir);
      const final = await handle.result();
      expect(final.seat).toEqual(BIG);
      expect(final.swaps).toBe(1);
      const state = await handle.query(packState);
      expect(state.swap_log.filter((e) => e.request_id === 'mid-swap')).toHaveLength(1);
      const history = await handle.fetchHistory();
      expect(swaps(history)).toHaveLength(1);
      await expectEveryHashStored(setup.dir, history);
    } finally {
      await second.stop();
    }
  });
});
