/**
 * Ready-made context-packs workers.
 *
 * One host with the workspace: {@link createContextPacksWorker}, one worker on one task queue that
 * runs the workflow and every activity.
 *
 * Several hosts (workspace-affine routing): {@link createContextPacksWorkers}. A job started with
 * `workspace_task_queue: workspaceTaskQueue(workspaceId)` runs assembly, tool application and
 * verification on that queue, served only by workers that have the workspace; the workflow and model
 * calls run on the general queue, served by any worker that reaches the shared pack store.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { WORKSPACE_ACTIVITIES, type GovernedJobActivities } from '../activities/types.js';
import { DEFAULT_TASK_QUEUE, workspaceTaskQueue } from '../shared/core/schema/governed-job.js';
import { contextPacksPlugin, type ContextPacksPluginOptions } from './plugin.js';
import { ensureSearchAttributes } from './search-attributes.js';

export { DEFAULT_TASK_QUEUE, workspaceTaskQueue };

/** Options of {@link createContextPacksWorker}: connection, task queue, workspaces, store and worker tuning. */
export interface ContextPacksWorkerOptions extends ContextPacksPluginOptions {
  readonly address?: string;
  readonly namespace?: string;
  readonly taskQueue?: string;
  readonly connection?: NativeConnection;
  /** Shown in the Web UI's pending activities and worker lists. Default: the SDK's `pid@host`. */
  readonly identity?: string;
  /** Memory and concurrency limits passed to every Worker (defaults: the SDK's). */
  readonly tuning?: WorkerTuning;
}

/**
 * The Worker options that bound a context-packs worker's memory: cached workflows (~1 MB each) and
 * activities running at once (an assembly holds its packs and inputs while it runs).
 */
export interface WorkerTuning {
  readonly maxCachedWorkflows?: number;
  readonly maxConcurrentActivityTaskExecutions?: number;
}

/** A Temporal worker with the plugin's workflows and activities on one task queue. Checks the namespace's search attributes first (throws `SearchAttributesMissing`). */
export async function createContextPacksWorker(options: ContextPacksWorkerOptions): Promise<Worker> {
  const { address, namespace = 'default', taskQueue, connection: given, identity, tuning, ...plugin } = options;
  const connection = given ?? (await NativeConnection.connect({ address: address ?? 'localhost:7233' }));
  // Checked here as well as in the plugin's runWorker, so a namespace without the attributes fails
  // before a Worker (and its native resources) exists.
  await ensureSearchAttributes(connection, namespace, plugin.searchAttributes);
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(identity !== undefined ? { identity } : {}),
    ...tuning,
    plugins: [contextPacksPlugin(plugin)],
  });
}

/**
 * What a worker process serves:
 * - `all`: the general queue (workflows, model calls) and the queue of every workspace it has;
 * - `general`: the general queue only (a model-call worker: needs the shared store, no workspace);
 * - `workspace`: only the queues of its workspaces (assembly, tool application, verification).
 */
export type ServeMode = 'all' | 'general' | 'workspace';

/** Options of {@link createContextPacksWorkers}: which queues this process serves (general, workspace-affine or both). */
export interface ContextPacksWorkersOptions extends Omit<ContextPacksWorkerOptions, 'address' | 'connection'> {
  readonly connection: NativeConnection;
  readonly serve?: ServeMode;
}

/** A worker of a context-packs process and the queue it polls, for logs and health output. */
export interface QueueWorker {
  readonly taskQueue: string;
  readonly serves: 'general' | 'workspace';
  readonly worker: Worker;
}

/**
 * The workers one process runs for `serve` (see {@link ServeMode}). Workspace queues are named by
 * {@link workspaceTaskQueue} from the general queue's name and the workspace id.
 *
 * @throws Error when `serve` is `workspace` and no workspace is configured (it would poll nothing).
 */
export async function createContextPacksWorkers(options: ContextPacksWorkersOptions): Promise<QueueWorker[]> {
  const { serve = 'all', connection, namespace = 'default', taskQueue = DEFAULT_TASK_QUEUE, identity, workflowBundle, tuning, ...activityOptions } = options;
  const ids = Object.keys(activityOptions.workspaces);
  if (serve === 'workspace' && ids.length === 0) {
    throw new Error('a workspace worker needs at least one workspace (--workspace id=dir)');
  }
  const workers: QueueWorker[] = [];
  if (serve !== 'workspace') {
    const worker = await createContextPacksWorker({
      ...activityOptions,
      ...(workflowBundle ? { workflowBundle } : {}),
      connection,
      namespace,
      taskQueue,
      ...(identity !== undefined ? { identity } : {}),
      ...(tuning !== undefined ? { tuning } : {}),
    });
    workers.push({ taskQueue, serves: 'general', worker });
  }
  if (serve !== 'general') {
    // Only the activities that need the workspace: a model call never lands on a workspace queue.
    const all = createActivities(activityOptions);
    const activities = Object.fromEntries(WORKSPACE_ACTIVITIES.map((name) => [name, all[name]])) as Partial<GovernedJobActivities>;
    for (const id of ids) {
      const queue = workspaceTaskQueue(id, taskQueue);
      const worker = await Worker.create({
        connection,
        namespace,
        taskQueue: queue,
        activities,
        ...(identity !== undefined ? { identity } : {}),
        ...(tuning?.maxConcurrentActivityTaskExecutions !== undefined
          ? { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions }
          : {}),
      });
      workers.push({ taskQueue: queue, serves: 'workspace', worker });
    }
  }
  return workers;
}

/** Runs workers until one stops or fails; then shuts the others down and rethrows the failure. */
export async function runAll(workers: readonly QueueWorker[]): Promise<void> {
  const runs = workers.map(({ worker }) => worker.run());
  try {
    await Promise.race(runs);
  } finally {
    for (const { worker } of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
    await Promise.allSettled(runs);
  }
  // A failure of any worker is the process's failure.
  for (const result of await Promise.allSettled(runs)) if (result.status === 'rejected') throw result.reason;
}
