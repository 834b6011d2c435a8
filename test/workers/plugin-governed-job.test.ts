import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { contextPacksPlugin } from '../../workers/plugin.js';
import { governedJob } from '../../workflows/governed-job.js';
import { BIG, jobInput, WORKSPACE_ID } from '../support/governed.js';
import { testTemporal, uniqueTaskQueue } from '../support/temporal.js';
import { copyExampleWorkspace } from '../support/workspace.js';

describe('the context-packs plugin', () => {
  it('adds the governed-job workflow and its activities to a worker in one line', async () => {
    const { client, nativeConnection, namespace } = await testTemporal();
    const dir = await copyExampleWorkspace('plugin');
    const taskQueue = uniqueTaskQueue('plugin');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      identity: 'ctxpack-test-worker',
      plugins: [contextPacksPlugin({ workspaces: { [WORKSPACE_ID]: dir }, workflowBundle: { codePath: inject('workflowBundlePath') } })],
    });
    const result = await worker.runUntil(
      client.workflow.execute(governedJob, { taskQueue, workflowId: `${taskQueue}-job`, args: [jobInput(BIG)] }),
    );
    expect(result.status).toBe('passed');
    expect(result.micro_tasks).toHaveLength(2);
  });

  it('refuses a workspace id the worker does not serve, naming the ones it does', async () => {
    const { client, nativeConnection, namespace } = await testTemporal();
    const dir = await copyExampleWorkspace('plugin-unknown');
    const taskQueue = uniqueTaskQueue('plugin');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      identity: 'ctxpack-test-worker',
      plugins: [contextPacksPlugin({ workspaces: { other: dir }, workflowBundle: { codePath: inject('workflowBundlePath') } })],
    });
    const error = await worker.runUntil(
      client.workflow
        .execute(governedJob, { taskQueue, workflowId: `${taskQueue}-job`, args: [jobInput(BIG)] })
        .catch((err: unknown) => err),
    );
    expect(String((error as Error & { cause?: { cause?: Error } }).cause?.cause?.message)).toMatch(
      /workspace id "demo" is not served by this worker \(known: other\)/,
    );
  });
});
