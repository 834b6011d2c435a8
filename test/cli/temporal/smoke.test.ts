import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { echoWorkflow, finish, greetingWorkflow, setGreeting } from '../../support/smoke-workflows.js';
import { testTemporal, uniqueTaskQueue, withWorker } from '../../support/temporal.js';

describe('the real Temporal dev server', () => {
  it('runs a workflow through a real worker', async () => {
    const { client } = await testTemporal();
    const taskQueue = uniqueTaskQueue('smoke');
    const result = await withWorker({ taskQueue }, () =>
      client.workflow.execute(echoWorkflow, { taskQueue, workflowId: `${taskQueue}-echo`, args: ['hello'] }),
    );
    expect(result).toBe('echo: hello');
  });

  it('registers the plugin search attributes on the dev server', async () => {
    const { client, namespace } = await testTemporal();
    const response = await client.connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(response.customAttributes ?? {})).toEqual(
      expect.arrayContaining(['CtxPackRole', 'CtxPackModel', 'CtxPackProvider', 'CtxPackHash', 'CtxPackCloud']),
    );
  });

  it('accepts a valid Update and leaves no event for one its validator rejects', async () => {
    const { client } = await testTemporal();
    const taskQueue = uniqueTaskQueue('smoke');
    await withWorker({ taskQueue }, async () => {
      const handle = await client.workflow.start(greetingWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-greeting`,
        args: ['hi'],
      });
      expect(await handle.executeUpdate(setGreeting, { args: ['hello'] })).toBe('hi');
      const eventsBefore = await countEvents(handle);

      const rejected = await handle.executeUpdate(setGreeting, { args: ['   '] }).catch((err: unknown) => err);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/greeting must not be empty/);
      expect(await countEvents(handle)).toBe(eventsBefore);

      await handle.signal(finish);
      expect(await handle.result()).toBe('hello');
      const history = await handle.fetchHistory();
      const updateEvents = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(updateEvents).toHaveLength(1);
    });
  });

  it('replays a history saved as JSON with the current workflow code', async () => {
    const { client } = await testTemporal();
    const taskQueue = uniqueTaskQueue('smoke');
    const workflowId = `${taskQueue}-replay`;
    await withWorker({ taskQueue }, async () => {
      const handle = await client.workflow.start(greetingWorkflow, { taskQueue, workflowId, args: ['hi'] });
      await handle.executeUpdate(setGreeting, { args: ['hey'] });
      await handle.signal(finish);
      await handle.result();
    });

    // Save the way an operator would (`temporal workflow show --output json`), then read it back.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-replay-'));
    const file = path.join(dir, 'history.json');
    await writeFile(file, historyToJSON(history));
    const restored = historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
    expect(restored.events?.length).toBe(history.events?.length);

    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, restored, workflowId);
  });
});

async function countEvents(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.length ?? 0;
}
