/**
 * `ctxpack worker`: run context-packs workers against a Temporal server (a cluster, Temporal Cloud or
 * a dev server), connecting with Temporal's environment configuration (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE).
 *
 *     ctxpack worker --workspace demo=./examples/workspace --store s3://packs/team   # all queues
 *     ctxpack worker --serve general --store s3://packs/team                          # model calls
 */
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { PackSchemaInvalid, PackStoreUnavailable } from '../../shared/core/errors.js';
import { openPackStore } from '../../shared/engine/store/index.js';
import { createContextPacksWorkers, DEFAULT_TASK_QUEUE, runAll, type ServeMode } from '../../workers/worker.js';
import type { SearchAttributePolicy } from '../../workers/search-attributes.js';
import { installSdkLogger } from '../sdk-logs.js';
import { temporalConnectConfig } from '../temporal-target.js';

interface WorkerOptions {
  workspace: string[];
  store?: string;
  taskQueue: string;
  serve: string;
  identity?: string;
  workflowBundle?: string;
  maxCachedWorkflows?: string;
  maxConcurrentActivities?: string;
  searchAttributes: string;
}

const SERVE_MODES: readonly ServeMode[] = ['all', 'general', 'workspace'];
const SEARCH_ATTRIBUTE_POLICIES: readonly SearchAttributePolicy[] = ['ensure', 'check'];

/** `id=dir` pairs into a map of absolute directories; a clear error for anything else. */
export function parseWorkspaces(pairs: readonly string[]): Record<string, string> {
  const workspaces: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const id = pair.slice(0, at);
    const dir = pair.slice(at + 1);
    if (at <= 0 || dir === '') {
      throw new PackSchemaInvalid(`--workspace "${pair}" is not id=dir`, 'write --workspace demo=./examples/workspace', { option: '--workspace' });
    }
    if (workspaces[id] !== undefined) {
      throw new PackSchemaInvalid(`--workspace "${id}" is given twice`, 'give each workspace id once', { option: '--workspace' });
    }
    workspaces[id] = path.resolve(dir);
  }
  return workspaces;
}

function positiveInt<K extends string>(flag: string, value: string | undefined, key: K): Partial<Record<K, number>> {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new PackSchemaInvalid(`${flag} "${value}" is not a positive whole number`, `write e.g. ${flag} 50`, { option: flag });
  }
  return { [key]: n } as Partial<Record<K, number>>;
}

/** Adds the options and action of `ctxpack worker` to its (already named and described) command. */
export function registerWorker(command: Command): void {
  command
    .option('--workspace <id=dir>', 'a workspace this worker has (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--store <spec>', 'pack store shared by all workers: s3://bucket/prefix or file:DIR (default: CTXPACK_STORE, else each workspace\'s .ctxpack/store)')
    .option('--task-queue <queue>', 'the general task queue; workspace queues are <queue>.workspace.<id>', DEFAULT_TASK_QUEUE)
    .option('--serve <mode>', 'all | general | workspace', 'all')
    .option('--identity <name>', 'worker identity shown in the Web UI (default: pid@host)')
    .option('--max-cached-workflows <n>', 'workflows kept in memory between tasks (~1 MB each; default: the SDK\'s, from the heap size)')
    .option('--max-concurrent-activities <n>', 'activities running at once per queue (default: the SDK\'s, 100)')
    .option('--workflow-bundle <file>', 'a workflow bundle made by bundleWorkflowCode (default: bundle workflows/ at start)')
    .option('--search-attributes <policy>', 'ensure: add the plugin\'s search attributes if missing; check: only verify them', 'ensure')
    .action(async (options: WorkerOptions) => {
      await installSdkLogger();
      if (!SEARCH_ATTRIBUTE_POLICIES.includes(options.searchAttributes as SearchAttributePolicy)) {
        throw new PackSchemaInvalid(`--search-attributes "${options.searchAttributes}" is not a policy`, `use one of ${SEARCH_ATTRIBUTE_POLICIES.join(', ')}`, { option: '--search-attributes' });
      }
      if (!SERVE_MODES.includes(options.serve as ServeMode)) {
        throw new PackSchemaInvalid(`--serve "${options.serve}" is not a mode`, `use one of ${SERVE_MODES.join(', ')}`, { option: '--serve' });
      }
      const serve = options.serve as ServeMode;
      const tuning = {
        ...positiveInt('--max-cached-workflows', options.maxCachedWorkflows, 'maxCachedWorkflows'),
        ...positiveInt('--max-concurrent-activities', options.maxConcurrentActivities, 'maxConcurrentActivityTaskExecutions'),
      };
      const workspaces = parseWorkspaces(options.workspace);
      // Open (and so check) the store spec now: a typo should stop the worker, not fail every job.
      const store = options.store !== undefined || process.env['CTXPACK_STORE'] ? openPackStore(options.store) : undefined;
      if (serve === 'general' && store === undefined && Object.keys(workspaces).length === 0) {
        // It would start, then fail every model call it takes: say so now.
        throw new PackStoreUnavailable(
          'a --serve general worker has no workspace, so it loads packs from a shared store, and none is configured',
          'give it the store the workspace workers use: --store s3://bucket/prefix (or CTXPACK_STORE), or a shared file:DIR',
          { option: '--store' },
        );
      }
      const { namespace, connectionOptions } = temporalConnectConfig();
      const connection = await NativeConnection.connect(connectionOptions);
      try {
        const workers = await createContextPacksWorkers({
          connection,
          namespace,
          taskQueue: options.taskQueue,
          serve,
          workspaces,
          searchAttributes: options.searchAttributes as SearchAttributePolicy,
          ...(store ? { store } : {}),
          ...(options.identity !== undefined ? { identity: options.identity } : {}),
          ...(Object.keys(tuning).length > 0 ? { tuning } : {}),
          ...(options.workflowBundle !== undefined ? { workflowBundle: { codePath: path.resolve(options.workflowBundle) } } : {}),
        });
        const queues = workers.map((w) => `${w.taskQueue} (${w.serves})`).join(', ');
        // One line a supervisor (or a test) can wait for.
        process.stdout.write(`ctxpack worker ready: namespace ${namespace}; queues ${queues}; store ${store?.describe() ?? 'per workspace'}\n`);
        await runAll(workers);
      } finally {
        await connection.close();
      }
    });
}
