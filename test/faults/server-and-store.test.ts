/**
 * The Temporal server restarting mid-job, and the pack store losing or corrupting an artifact:
 * the job completes (or fails with a typed error when policy forbids regeneration), nothing is
 * sent to a model from a damaged pack, and the same swap request applies once however often sent.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { defaultProviderFactory } from '../../activities/invoke-model.js';
import { freePort, startDevServer } from '../../cli/temporal/dev-server.js';
import { invocations } from '../../cli/temporal/history-records.js';
import { governedJob, modelSwap, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

function storeFile(dir: string, hash: string): string {
  const hex = hash.slice('sha256:'.length);
  return path.join(dir, '.ctxpack/store/sha256', hex.slice(0, 2), hex);
}

describe('the Temporal server restarting mid-job', () => {
  it('keeps the job (same database file), and the job completes after the restart', async () => {
    const db = path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-restart-')), 'temporal.db');
    const port = await freePort();
    const cli = { path: inject('temporalCliPath'), version: '', versionLine: '', source: 'env' as const };
    let server = await startDevServer({ port, dbFilename: db, ui: false, cli });
    const setup = await setupJob('server-restart');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    const workflowId = setup.workflowId;

    const startClient = async () => {
      const connection = await Connection.connect({ address: server.address });
      return { connection, client: new Client({ connection, identity: 'ctxpack-test-client' }) };
    };
    let { connection, client } = await startClient();
    await client.workflow.start(governedJob, { taskQueue: setup.taskQueue, workflowId, args: [jobInput(BIG)] });

    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: setup.taskQueue,
      identity: 'ctxpack-test-worker',
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: setup.activities,
      shutdownGraceTime: '1s',
    });
    const running = worker.run();
    try {
      await waitForState(client.workflow.getHandle(workflowId) as never, (s) => s.binding !== null && s.status === 'running');
      await connection.close();
      await server.stop();
      server = await startDevServer({ port, dbFilename: db, ui: false, cli });
      ({ connection, client } = await startClient());
      await openGate(setup.dir);
      const result = await client.workflow.getHandle<typeof governedJob>(workflowId).result();
      expect(result.status).toBe('passed');
      expect(result.micro_tasks).toHaveLength(2);
    } finally {
      worker.shutdown();
      await running.catch(() => {});
      await nativeConnection.close().catch(() => {});
      await connection.close();
      await server.stop();
    }
  }, 120_000);
});

describe('the pack store losing or corrupting an artifact', () => {
  async function countingSetup(label: string) {
    const counter = { calls: 0 };
    const setup = await setupJob(label, {
      providerFactory: async (snapshot, context) => {
        const provider = await defaultProviderFactory(snapshot, context);
        return { id: provider.id, complete: (request) => ((counter.calls += 1), provider.complete(request)) };
      },
    });
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    return { setup, counter };
  }

  for (const damage of ['corrupted', 'lost'] as const) {
    it(`regenerates a ${damage} bound pack when policy allows, and never sends the damaged one`, async () => {
      const { setup, counter } = await countingSetup(`store-${damage}`);
      const handle = await startJob(setup, jobInput(BIG));
      await runWorker(setup, async () => {
        const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
        // The provider was called, so iteration 1 has loaded its pack (an activity merely started may not have).
        await expect.poll(() => counter.calls, { timeout: 30_000 }).toBe(1);
        const file = storeFile(setup.dir, bound.binding?.work_unit_pack_hash ?? '');
        // Iteration 1 is waiting at the gate with the pack already loaded; damage it before iteration 2.
        if (damage === 'corrupted') await writeFile(file, '{"kind":"WorkUnitContextPack","tampered":true}');
        else await rm(file);
        await openGate(setup.dir);
        const result = await handle.result();
        expect(result.status).toBe('passed');
        const state = await handle.query(packState);
        expect(state.binding?.freshness_markers).toContain(`regenerated_after_corruption:${bound.binding?.work_unit_pack_hash}`);
      });
      const history = await handle.fetchHistory();
      // Every completed invocation reached the model once; none ran on the damaged pack.
      expect(counter.calls).toBe(invocations(history).length);
    });
  }

  it('fails with ContextPackArtifactCorrupt, calling no model with it, when policy forbids regeneration', async () => {
    const { setup, counter } = await countingSetup('store-noregen');
    // Iteration 1 waits at the gate (its pack already loaded), then fails verification, so
    // iteration 2 must load the pack again: by then it is damaged.
    await writeScript(setup.dir, `schema_version: 1
responses:
  - when: { iteration: 1 }
    wait_for: .gate/go
    text: broken
    tool_calls: [{ tool: write_file, path: src/config.js, content: "syntax error (" }]
  - when: {}
    text: done
`);
    const handle = await startJob(setup, jobInput(BIG, { freshness: { regen_allowed: false, regen_required: true } }));
    const error = await runWorker(setup, async () => {
      const bound = await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      // Iteration 1 has loaded its pack (the provider was called) and waits at the gate; only then damage it.
      await expect.poll(() => counter.calls, { timeout: 30_000 }).toBe(1);
      await writeFile(storeFile(setup.dir, bound.binding?.work_unit_pack_hash ?? ''), 'garbage');
      await openGate(setup.dir);
      return handle.result().catch((err: unknown) => err);
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('ContextPackArtifactCorrupt');
    // Only iteration 1 reached the model; iteration 2 stopped at the damaged pack.
    expect(counter.calls).toBe(1);
    expect(invocations(await handle.fetchHistory())).toHaveLength(1);
  });
});

describe('the same swap request sent three times', () => {
  it('applies once via Update (same update id), Signal, and after continue-as-new', async () => {
    const setup = await setupJob('idempotent');
    // Both runs hold their first answer on a gate, so the job cannot finish while the test still sends.
    await writeScript(setup.dir, `schema_version: 1
responses:
  - when: { iteration: 1, micro_task: MT-7.1 }
    wait_for: .gate/go
    text: done
  - when: { iteration: 1, micro_task: MT-7.2 }
    wait_for: .gate/second
    text: done
  - when: {}
    text: done
`);
    const handle = await startJob(setup, jobInput(TINY, { micro_tasks_per_run: 1 }));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const request = swap(BIG, { request_id: 'three-times' });
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await handle.executeUpdate(requestModelSwap, { args: [request], updateId: request.request_id }));
      expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
      for (let i = 0; i < 3; i += 1) await handle.signal(modelSwap, request);
      await openGate(setup.dir);
      // After continue-as-new (one micro-task per run) the same id is still known.
      await waitForState(handle, (s) => s.position.index === 1);
      for (let i = 0; i < 3; i += 1) {
        const error = await handle.executeUpdate(requestModelSwap, { args: [request] }).catch((err: unknown) => err);
        expect(String((error as { cause?: Error }).cause?.message)).toMatch(/already used/);
        await handle.signal(modelSwap, request);
      }
      await openGate(setup.dir, 'second');
      const result = await handle.result();
      expect(result.swaps).toBe(1);
      const state = await handle.query(packState);
      expect(state.swap_log.filter((e) => e.request_id === 'three-times')).toHaveLength(1);
    });
  });
});
