/**
 * The plugin composes with a user's worker, and handles search attributes for them: on the run's dev
 * server (attributes registered) and on a second, plain dev server started without them.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SearchAttributesMissing } from '../../shared/core/errors.js';
import { CTXPACK_SEARCH_ATTRIBUTES } from '../../shared/core/search-attributes.js';
import { startDevServer, type DevServer } from '../../cli/temporal/dev-server.js';
import { createActivities } from '../../activities/index.js';
import { contextPacksPlugin } from '../../workers/plugin.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { createContextPacksWorker } from '../../workers/worker.js';
import { governedJob } from '../../workflows/governed-job.js';
import { runCtxpack } from '../support/cli.js';
import { TINY, WORKSPACE_ID } from '../support/governed.js';
import { echoWorkflow } from '../support/smoke-workflows.js';
import { testTemporal, uniqueTaskQueue } from '../support/temporal.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/workspace.js';

const NAMES = CTXPACK_SEARCH_ATTRIBUTES.map((key) => key.name);
const USER_WORKFLOWS = fileURLToPath(new URL('../support/smoke-workflows.ts', import.meta.url));
const cleanup: string[] = [];

afterAll(async () => {
  for (const dir of cleanup) await rm(path.dirname(dir), { recursive: true, force: true });
});

async function exampleWorkspace(label: string): Promise<string> {
  const dir = await copyExampleWorkspace(label);
  cleanup.push(dir);
  return dir;
}

/** A second dev server, as `temporal server start-dev` gives it: no search attributes registered. */
function plainDevServer(): Promise<DevServer> {
  return startDevServer({ ui: false, searchAttributes: false, cli: { path: inject('temporalCliPath'), version: '', versionLine: '', source: 'env' } });
}

const jobArgs = { workspace_id: WORKSPACE_ID, work_unit: WORK_UNIT, seat: TINY };

describe('a worker with its own workflowsPath and the plugin', () => {
  it("runs both the user's workflow and a governed job", async () => {
    const { nativeConnection, namespace, client } = await testTemporal();
    const taskQueue = uniqueTaskQueue('compose');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: USER_WORKFLOWS,
      identity: 'ctxpack-test-worker',
      plugins: [contextPacksPlugin({ workspaces: { [WORKSPACE_ID]: await exampleWorkspace('compose') } })],
    });
    const [echo, job] = await worker.runUntil(() =>
      Promise.all([
        client.workflow.execute(echoWorkflow, { taskQueue, workflowId: `echo-${randomUUID()}`, args: ['mine'] }),
        client.workflow.execute(governedJob, { taskQueue, workflowId: `compose-${randomUUID()}`, args: [jobArgs] }),
      ]),
    );
    expect(echo).toBe('echo: mine');
    expect(job.status).toBe('passed');
    expect(job.invocations).toBeGreaterThan(0);
  });

  it('leaves the namespace alone when every attribute is already registered', async () => {
    const { client, namespace } = await testTemporal();
    const report = await ensureSearchAttributes(client.connection, namespace);
    expect(report.added).toEqual([]);
    expect([...report.present].sort()).toEqual([...NAMES].sort());
  });
});

describe('on a dev server started without the search attributes', () => {
  let server: DevServer;

  beforeAll(async () => {
    server = await plainDevServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('`ctxpack show` on a job whose workflow task fails for want of them exits 4 with one line and the fix', async () => {
    // A worker without the plugin, as a user wiring activities by hand would have: nothing checks.
    const taskQueue = uniqueTaskQueue('bare');
    const worker = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({ workspaces: { [WORKSPACE_ID]: await exampleWorkspace('bare') } }),
    });
    const workflowId = `bare-${randomUUID()}`;
    await worker.runUntil(async () => {
      const handle = await server.client.workflow.start(governedJob, { taskQueue, workflowId, args: [jobArgs] });
      // Precondition: the server has recorded the failing workflow task.
      for (;;) {
        const history = await handle.fetchHistory();
        if (history.events?.some((event) => event.workflowTaskFailedEventAttributes)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const shown = await runCtxpack(['show', workflowId], { env: { TEMPORAL_ADDRESS: server.address } });
      await handle.terminate('test done');
      expect(shown.code).toBe(4);
      expect(shown.stderr).toContain(`governed job ${workflowId} did not answer its packState query`);
      expect(shown.stderr).toContain('npx ctxpack setup');
      expect(shown.stderr).not.toMatch(/Buffer|<Buffer|\bat \S+ \(/);
      expect(shown.stderr.trim().split('\n')).toHaveLength(2);
    });
  });

  it('a check-only worker refuses to start, naming every missing attribute, its type and the command to add it', async () => {
    const worker = await Worker.create({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue: uniqueTaskQueue('check'),
      workflowBundle: { codePath: inject('workflowBundlePath') },
      plugins: [contextPacksPlugin({ workspaces: {}, searchAttributes: 'check' })],
    });
    const error = await worker.run().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SearchAttributesMissing);
    const { message, fix } = error as SearchAttributesMissing;
    for (const key of CTXPACK_SEARCH_ATTRIBUTES) expect(message).toContain(key.name);
    expect(message).toContain('CtxPackCloud (Bool)');
    expect(message).toContain('CtxPackRole (Keyword)');
    expect(fix).toContain('temporal operator search-attribute create --namespace default --name CtxPackRole --type Keyword');
    expect(fix).toContain('--name CtxPackCloud --type Bool');
    expect(fix).toContain('tcld namespace search-attributes add');
    // Nothing was added behind the user's back.
    const listed = await server.client.connection.operatorService.listSearchAttributes({ namespace: server.namespace });
    expect(Object.keys(listed.customAttributes ?? {}).filter((name) => name.startsWith('CtxPack'))).toEqual([]);
  });

  it('`ctxpack setup --check` exits 1 listing them; `ctxpack setup` adds them once; a second run finds them all', async () => {
    const env = { TEMPORAL_ADDRESS: server.address };
    const checked = await runCtxpack(['setup', '--check'], { env });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('lacks the search attributes');
    expect(checked.stderr).toContain('fix: add them once with `temporal operator search-attribute create');

    const added = await runCtxpack(['setup', '--json'], { env });
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ namespace: 'default', present: [], added: NAMES });

    const again = await runCtxpack(['setup', '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: [] });
    expect([...(JSON.parse(again.stdout) as { present: string[] }).present].sort()).toEqual([...NAMES].sort());
  });

  it('then a governed job on a plugin worker completes and is listed by its attributes', async () => {
    const taskQueue = uniqueTaskQueue('plain-server');
    const worker = await createContextPacksWorker({
      connection: server.nativeConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      workspaces: { [WORKSPACE_ID]: await exampleWorkspace('plain-server') },
    });
    const workflowId = `plain-${randomUUID()}`;
    const result = await worker.runUntil(() => server.client.workflow.execute(governedJob, { taskQueue, workflowId, args: [jobArgs] }));
    expect(result.status).toBe('passed');
    const described = await server.client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(CTXPACK_SEARCH_ATTRIBUTES[0])).toBe('coder');
  });
});

describe('on a second plain dev server, an ensuring worker', () => {
  it('registers the attributes itself at start, so the job never meets BadSearchAttributes', async () => {
    const server = await plainDevServer();
    try {
      const taskQueue = uniqueTaskQueue('ensure');
      const worker = await Worker.create({
        connection: server.nativeConnection,
        namespace: server.namespace,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        plugins: [contextPacksPlugin({ workspaces: { [WORKSPACE_ID]: await exampleWorkspace('ensure') } })],
      });
      const result = await worker.runUntil(() => server.client.workflow.execute(governedJob, { taskQueue, workflowId: `ensure-${randomUUID()}`, args: [jobArgs] }));
      expect(result.status).toBe('passed');
      const listed = await server.client.connection.operatorService.listSearchAttributes({ namespace: server.namespace });
      expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(NAMES));
    } finally {
      await server.stop();
    }
  });
});
