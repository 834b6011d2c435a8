// A team's worker: its own workflows and activities, plus the context-packs plugin. It runs the
// team's workflow and a governed job on a copy of the packaged example workspace, prints what both
// returned as one JSON line, and exits.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { contextPacksPlugin, governedJob, packState } from 'context-packs';
import * as activities from './activities.js';

const address = process.env.TEMPORAL_ADDRESS;
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const example = path.join(path.dirname(require.resolve('context-packs/package.json')), 'examples', 'workspace');
const scratch = await mkdtemp(path.join(tmpdir(), 'ctxpack-consumer-ws-'));
const workspace = path.join(scratch, 'ws');
await cp(example, workspace, { recursive: true });

const connection = await NativeConnection.connect({ address });
const clientConnection = await Connection.connect({ address });
try {
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: 'team-queue',
    workflowsPath: path.join(here, 'workflows.js'),
    activities,
    plugins: [contextPacksPlugin({ workspaces: { demo: workspace } })],
  });
  const client = new Client({ connection: clientConnection });
  const suffix = `${process.pid}-${Date.now()}`;
  await worker.runUntil(async () => {
    const [greeting, job] = await Promise.all([
      client.workflow.execute('greet', { taskQueue: 'team-queue', workflowId: `greet-${suffix}`, args: ['team'] }),
      client.workflow.execute(governedJob, {
        taskQueue: 'team-queue',
        workflowId: `governed-${suffix}`,
        args: [{ workspace_id: 'demo', work_unit: '.ctxpack/work-units/wp-7.yaml', seat: { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' } }],
      }),
    ]);
    const state = await client.workflow.getHandle(`governed-${suffix}`).query(packState);
    process.stdout.write(`${JSON.stringify({ greeting, status: job.status, invocations: job.invocations, pack: state.binding?.work_unit_pack_hash ?? null, node: process.versions.node })}\n`);
  });
} finally {
  await clientConnection.close();
  await connection.close();
  await rm(scratch, { recursive: true, force: true });
}
