/** A ready-made context-packs worker: connection, task queue and plugin in one call. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { contextPacksPlugin, type ContextPacksPluginOptions } from './plugin.js';

export const DEFAULT_TASK_QUEUE = 'context-packs';

export interface ContextPacksWorkerOptions extends ContextPacksPluginOptions {
  readonly address?: string;
  readonly namespace?: string;
  readonly taskQueue?: string;
  readonly connection?: NativeConnection;
}

export async function createContextPacksWorker(options: ContextPacksWorkerOptions): Promise<Worker> {
  const { address, namespace, taskQueue, connection, ...plugin } = options;
  return Worker.create({
    connection: connection ?? (await NativeConnection.connect({ address: address ?? 'localhost:7233' })),
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    plugins: [contextPacksPlugin(plugin)],
  });
}
