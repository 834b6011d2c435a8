/** Records real histories as replay fixtures (see vitest.record.config.ts). */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { expect, it } from 'vitest';
import { requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, addFact, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);

async function save(name: string, handle: Awaited<ReturnType<typeof startJob>>): Promise<void> {
  const history = await handle.fetchHistory();
  // Stack traces of untyped failures name files on this machine: fixtures must stay portable.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await writeFile(new URL(`${name}.json`, FIXTURES), `${historyToJSON(history).split(root).join('<project>/')}\n`);
}

it('records a job with swaps (rebuilt and reused)', async () => {
  const setup = await setupJob('rec-swap');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(TINY));
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    await addFact(setup.dir, 'A late fact.');
    expect((await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'rec-1' })] })).decision).toBe('rebuilt');
    expect((await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'rec-2' })] })).decision).toBe('reused');
    await openGate(setup.dir);
    await handle.result();
  });
  await save('job-with-swaps', handle);
});

it('records a job with an automatic escalation', async () => {
  const setup = await setupJob('rec-escalation');
  const handle = await startJob(setup, jobInput(TINY));
  const result = await runWorker(setup, () => handle.result());
  expect(result.swaps).toBe(1);
  await save('job-with-escalation', handle);
});

it('records a job with a rejected swap', async () => {
  const setup = await setupJob('rec-rejected');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const handle = await startJob(setup, jobInput(TINY));
  await runWorker(setup, async () => {
    await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
    const pinned = `sha256:${'0'.repeat(64)}`; // not in the store: the swap activity fails, the seat stays
    const error = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'rec-bad', pinned_pack_hash: pinned })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    await openGate(setup.dir);
    await handle.result();
  });
  await save('job-with-rejected-swap', handle);
});
