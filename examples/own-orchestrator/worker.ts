/**
 * The worker: our workflows plus the context-packs plugin (its activities and workflows), serving the
 * example workspace under the id `demo`. Run: `node --import tsx worker.ts` beside a dev server.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { contextPacksPlugin } from 'context-packs';

export const TASK_QUEUE = 'own-orchestrator';

export async function createWorker(options: { connection: NativeConnection; namespace?: string; workspaceDir: string; taskQueue?: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    plugins: [contextPacksPlugin({ workspaces: { demo: options.workspaceDir } })],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connection = await NativeConnection.connect({ address: process.env['TEMPORAL_ADDRESS'] ?? 'localhost:7233' });
  const workspaceDir = process.argv[2] ?? fileURLToPath(new URL('../workspace', import.meta.url));
  const worker = await createWorker({ connection, workspaceDir });
  await worker.run();
}
