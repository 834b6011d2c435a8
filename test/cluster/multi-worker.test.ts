/**
 * Scale-out end to end: three `ctxpack worker` processes in separate working directories, one real
 * MinIO as the shared pack store, one dev server. One worker has the workspace (workspace queue:
 * assembly, tool application, verification); two have no workspace (general queue: workflow and model
 * calls). A governed job with a swap runs across them; the worker in the middle of a model call is
 * SIGKILLed and the job completes on the other. Every artifact the history references loads and
 * verifies from the store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { verifyPackBytes } from '../../shared/engine/pack-io.js';
import { workspaceTaskQueue } from '../../shared/core/schema/governed-job.js';
import { S3PackStore } from '../../shared/engine/store/index.js';
import { invocations, referencedPackHashes } from '../../cli/temporal/history-records.js';
import { governedJob, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, TINY, WORKSPACE_ID, jobInput, swap, writeScript } from '../support/governed.js';
import { CTXPACK_BIN } from '../support/cli.js';
import { testTemporal, uniqueTaskQueue } from '../support/temporal.js';
import { copyExampleWorkspace } from '../support/workspace.js';
import { MINIO_START_TIMEOUT_MS, useMinio } from '../shared/engine/store/s3/support/minio.js';

const minio = useMinio();
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}, MINIO_START_TIMEOUT_MS);

interface WorkerHandle {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  kill(): Promise<void>;
}

/** `ctxpack worker` in its own process and working directory; resolves once it prints "ready". */
async function startWorker(identity: string, args: string[], env: NodeJS.ProcessEnv): Promise<WorkerHandle> {
  const cwd = await mkdtemp(path.join(tmpdir(), `ctxpack-${identity}-`));
  dirs.push(cwd);
  const child = spawn(process.execPath, [CTXPACK_BIN, 'worker', '--identity', identity, '--workflow-bundle', inject('workflowBundlePath'), ...args], {
    cwd,
    env: { ...process.env, ...env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('ctxpack worker ready')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`worker ${identity} exited early (${code}): ${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    identity,
    child,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The identity of the worker currently running an attempt of `activityType`, once one is. */
async function runningOn(handle: WorkflowHandle<typeof governedJob>, activityType: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { raw } = await handle.describe();
    const pending = raw.pendingActivities?.find((a) => a.activityType?.name === activityType && a.lastWorkerIdentity);
    if (pending?.lastWorkerIdentity && String(pending.state) !== 'PENDING_ACTIVITY_STATE_SCHEDULED' && Number(pending.state) !== 1) {
      return pending.lastWorkerIdentity;
    }
    if (Date.now() > deadline) throw new Error(`no ${activityType} started within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('governed jobs across several workers with a shared S3 store', () => {
  it('runs a job with a swap across three worker processes, survives a killed model worker, and every history hash loads from S3', async () => {
    const bucket = await minio().bucket('cluster');
    const spec = `s3://${bucket}/packs`;
    const s3env = { ...minio().env, CTXPACK_S3_ENDPOINT: minio().server.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
    const queue = uniqueTaskQueue('cluster');

    // Only the workspace worker has the files; its answers script rides to the others in the store.
    const workspaceDir = await copyExampleWorkspace('cluster');
    const config = await readFile(path.join(workspaceDir, 'src/config.js'), 'utf8');
    await writeScript(
      workspaceDir,
      [
        'schema_version: 1',
        'responses:',
        // Slow enough to find the call in flight and kill the worker that runs it.
        '  - when: { iteration: 1, micro_task: MT-7.1, model: tiny-coder-1b }',
        '    delay_seconds: 4',
        '    text: rewrote the config',
        `    tool_calls: [{ tool: write_file, path: src/config.js, content: ${JSON.stringify(config)} }]`,
        '  - when: {}',
        '    text: done',
        `    tool_calls: [{ tool: write_file, path: src/config.js, content: ${JSON.stringify(config)} }]`,
        '',
      ].join('\n'),
    );

    const common = ['--task-queue', queue, '--store', spec];
    const workspaceWorker = await startWorker('ws-worker', [...common, '--serve', 'workspace', '--workspace', `${WORKSPACE_ID}=${workspaceDir}`], s3env);
    const general = [await startWorker('model-worker-1', [...common, '--serve', 'general'], s3env), await startWorker('model-worker-2', [...common, '--serve', 'general'], s3env)];
    expect(workspaceWorker.output()).toContain(`${workspaceTaskQueue(WORKSPACE_ID, queue)} (workspace)`);
    expect(general[0]?.output()).toContain(`${queue} (general)`);

    const { client } = await testTemporal();
    const handle = await client.workflow.start(governedJob, {
      taskQueue: queue,
      workflowId: `cluster-${queue}`,
      args: [jobInput(TINY, { workspace_task_queue: workspaceTaskQueue(WORKSPACE_ID, queue) })],
    });

    // Kill whichever model worker took the first call, mid-call.
    const victim = await runningOn(handle, 'invokeModel');
    const doomed = general.find((w) => w.identity === victim);
    expect(doomed, `invokeModel ran on ${victim}, not on a general worker`).toBeDefined();
    await doomed?.kill();

    // A swap while the call is being retried elsewhere: assembled on the workspace worker.
    const swapped = await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'cluster-swap-1' })] });
    expect(swapped.seat).toEqual(BIG);

    const result = await handle.result();
    expect(result.status).toBe('passed');
    expect(result.seat).toEqual(BIG);

    // Who ran what: workspace activities only on the workspace worker, model calls only on the survivor.
    const { events } = await handle.fetchHistory();
    const scheduled = new Map<string, string>();
    const ranOn: Record<string, Set<string>> = {};
    for (const event of events ?? []) {
      const s = event.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(event.eventId), s.activityType?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const type = scheduled.get(String(started.scheduledEventId)) ?? '?';
        (ranOn[type] ??= new Set()).add(started.identity ?? '');
      }
    }
    for (const type of ['describeWorkspace', 'bindPacks', 'swapPacks', 'prepareInvocation', 'applyToolCalls', 'verifyMicroTask']) {
      expect([...(ranOn[type] ?? [])], type).toEqual(['ws-worker']);
    }
    const survivor = general.find((w) => w !== doomed)?.identity;
    // The started event records the attempt that completed: the retry on the surviving worker.
    expect([...(ranOn['invokeModel'] ?? [])]).toEqual([survivor]);

    // Each invocation is in history once, with its packs; every referenced artifact is in S3, intact.
    const history = await handle.fetchHistory();
    const records = invocations(history);
    expect(records.map((r) => `${r.result.identity.micro_task}#${r.result.identity.iteration}`)).toEqual(['MT-7.1#1', 'MT-7.2#1']);
    expect(records[0]?.result.tool_calls).toEqual([{ tool: 'write_file', path: 'src/config.js', allowed: true }]);
    const store = new S3PackStore({ bucket, prefix: 'packs', endpoint: minio().server.endpoint, forcePathStyle: true, env: minio().env });
    try {
      const hashes = [...referencedPackHashes(history)];
      expect(hashes.length).toBeGreaterThanOrEqual(6);
      for (const hash of hashes) {
        const bytes = await store.get(hash); // re-hashes: throws ContextPackArtifactCorrupt on a mismatch
        const kind = (JSON.parse(new TextDecoder().decode(bytes)) as { kind: string }).kind;
        if (kind.endsWith('ContextPack')) expect(verifyPackBytes(bytes, hash).hash).toBe(hash);
        else expect(['ProviderSnapshot', 'ModelResponse']).toContain(kind);
      }
      for (const record of records) {
        expect(record.result.identity.store_refs.role.store).toBe('s3');
        expect(await store.has(record.result.identity.work_unit_pack_hash)).toBe(true);
      }
    } finally {
      await store.close();
    }
    // History names the store kind and key, never the endpoint or a credential.
    const text = JSON.stringify(history);
    for (const secret of [minio().server.endpoint, minio().server.secretKey, workspaceDir]) expect(text).not.toContain(secret);
  }, 180_000);
});
