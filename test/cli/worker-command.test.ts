/**
 * `ctxpack worker` and `ctxpack start --workspace-queue`: bad options fail clearly before anything
 * connects, and a workspace-affine job started from the CLI runs on a `--serve all` worker.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it, inject } from 'vitest';
import { governedJob } from '../../workflows/governed-job.js';
import { parseWorkspaces } from '../../cli/commands/worker.js';
import { CTXPACK_BIN, runCtxpack } from '../support/cli.js';
import { WORKSPACE_ID } from '../support/governed.js';
import { testTemporal, uniqueTaskQueue } from '../support/temporal.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/workspace.js';

describe('ctxpack worker', () => {
  it('refuses a bad --serve mode, a malformed or repeated --workspace, and a bad store before connecting', async () => {
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' }; // nothing listens: an attempt to connect would be exit 4 or a hang
    const serve = await runCtxpack(['worker', '--serve', 'everything'], { env });
    expect(serve.code).toBe(3);
    expect(serve.stderr).toContain('--serve "everything" is not a mode');
    expect(serve.stderr).toContain('all, general, workspace');

    const pair = await runCtxpack(['worker', '--workspace', 'no-equals-sign'], { env });
    expect(pair.code).toBe(3);
    expect(pair.stderr).toContain('--workspace "no-equals-sign" is not id=dir');

    const store = await runCtxpack(['worker', '--store', 's3://AKIAEXAMPLE:hunter2@bucket'], { env });
    expect(store.code).toBe(3);
    expect(store.stderr).toContain('must not contain credentials');
    expect(store.stderr).not.toContain('hunter2');

    const noStore = await runCtxpack(['worker', '--serve', 'general'], { env: { ...env, CTXPACK_STORE: '' } });
    expect(noStore.code).toBe(4);
    expect(noStore.stderr).toContain('loads packs from a shared store, and none is configured');
    expect(noStore.stderr).toContain('--store s3://bucket/prefix');

    const cached = await runCtxpack(['worker', '--max-cached-workflows', '0'], { env });
    expect(cached.code).toBe(3);
    expect(cached.stderr).toContain('--max-cached-workflows "0" is not a positive whole number');

    const workspaceOnly = await runCtxpack(['worker', '--serve', 'workspace'], { env: { ...env, TEMPORAL_ADDRESS: inject('temporalAddress') } });
    expect(workspaceOnly.code).not.toBe(0);
    expect(workspaceOnly.stderr).toContain('a workspace worker needs at least one workspace');
  });

  it('parses id=dir pairs into absolute directories and refuses duplicates', () => {
    expect(parseWorkspaces(['demo=/srv/ws', 'b=rel/dir'])).toEqual({ demo: '/srv/ws', b: expect.stringMatching(/^\/.*rel\/dir$/) });
    expect(() => parseWorkspaces(['demo=/a', 'demo=/b'])).toThrow(/given twice/);
    expect(() => parseWorkspaces(['=/a'])).toThrow(/not id=dir/);
  });

  it('serves a job started with --workspace-queue on both its queues, and stops on SIGTERM', async () => {
    const dir = await copyExampleWorkspace('worker-cmd');
    const queue = uniqueTaskQueue('worker-cmd');
    const child = spawn(
      process.execPath,
      [CTXPACK_BIN, 'worker', '--task-queue', queue, '--workspace', `${WORKSPACE_ID}=${dir}`, '--workflow-bundle', inject('workflowBundlePath')],
      { env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => output, { timeout: 30_000 }).toContain('ctxpack worker ready');
      expect(output).toContain(`${queue} (general)`);
      expect(output).toContain(`${queue}.workspace.${WORKSPACE_ID} (workspace)`);

      const started = await runCtxpack(
        ['start', '--workspace', WORKSPACE_ID, '--work-unit', WORK_UNIT, '--role', 'coder', '--model', 'tiny-coder-1b', '--provider', 'local-small', '--task-queue', queue, '--workspace-queue', '--json'],
        { env: { TEMPORAL_ADDRESS: inject('temporalAddress') } },
      );
      expect(started.code, started.stderr).toBe(0);
      const { workflow_id } = JSON.parse(started.stdout) as { workflow_id: string };
      const { client } = await testTemporal();
      const handle = client.workflow.getHandle<typeof governedJob>(workflow_id);
      expect((await handle.result()).status).toBe('passed');

      const { events } = await handle.fetchHistory();
      const queues = new Map<string, string>();
      for (const event of events ?? []) {
        const a = event.activityTaskScheduledEventAttributes;
        if (a) queues.set(a.activityType?.name ?? '', a.taskQueue?.name ?? '');
      }
      expect(queues.get('bindPacks')).toBe(`${queue}.workspace.${WORKSPACE_ID}`);
      expect(queues.get('verifyMicroTask')).toBe(`${queue}.workspace.${WORKSPACE_ID}`);
      expect(queues.get('invokeModel')).toBe(queue);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
