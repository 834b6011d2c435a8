/**
 * The context-packs Temporal plugin: one object added to a worker (and to `bundleWorkflowCode`)
 * brings the governed-job workflow and its activities, next to whatever the worker already has.
 *
 *     const worker = await Worker.create({
 *       connection, taskQueue: 'my-queue',
 *       workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),   // the user's own
 *       activities: myActivities,
 *       plugins: [contextPacksPlugin({ workspaces: { demo: './examples/workspace' } })],
 *     });
 *
 * The plugin adds, it never replaces: activities are appended to the user's; a user's `workflowsPath`
 * is bundled together with the plugin's workflows (see {@link composeWorkflowsPath}); a prebuilt
 * `workflowBundle` is left as it is (bundle it with the plugin in `bundleWorkflowCode`'s `plugins`,
 * which composes the same way). At `worker.run()` the namespace's search attributes are checked and,
 * by default, added (see {@link ensureSearchAttributes}).
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, type CreateActivitiesOptions } from '../activities/index.js';
import { withLatin1Output } from './bundle-latin1.js';
import { withLeanSourceMap } from './bundle-source-map.js';
import { ensureSearchAttributes, type SearchAttributePolicy } from './search-attributes.js';
import { composeWorkflowsPath, withPreloadModules, withSdkModules, WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH } from './workflows-entry.js';

export { WORKFLOWS_PATH, WORKFLOW_PRELOAD_MODULES, composeWorkflowsPath };

/** Options of {@link ContextPacksPlugin}: the activities' workspaces and store, and whether to add the library's workflows. */
export interface ContextPacksPluginOptions extends CreateActivitiesOptions {
  /** Use a pre-built workflow bundle instead of bundling `workflows/` at worker start. */
  readonly workflowBundle?: { readonly codePath: string } | { readonly code: string };
  /**
   * What to do about the plugin's search attributes when the worker starts. Default `ensure`: add
   * the missing ones, refuse to start when that is not allowed. `check`: only verify.
   */
  readonly searchAttributes?: SearchAttributePolicy;
  /**
   * Preload zod and the workflows' schema holder into the reusable V8 context (default true): a
   * cached governed job then costs ~0.1 MB of sandbox heap instead of ~1.25 MB. Temporal freezes
   * preloaded modules, so inside workflows zod's global config and registry become read-only
   * (`z.config()` and `z.globalRegistry.clear()` throw there); set false if a workflow needs them.
   */
  readonly preloadWorkflowModules?: boolean;
}

/**
 * The plugin class; {@link contextPacksPlugin} is the way to make one.
 *
 * @experimental Temporal's plugin API is experimental; this plugin's options are stable.
 */
export class ContextPacksPlugin extends SimplePlugin {
  readonly #bundle: ContextPacksPluginOptions['workflowBundle'];
  readonly #searchAttributes: SearchAttributePolicy;
  readonly #preload: boolean;

  constructor(options: ContextPacksPluginOptions) {
    const { workflowBundle, searchAttributes, preloadWorkflowModules, ...activityOptions } = options;
    super({ name: 'context-packs', activities: createActivities(activityOptions) });
    this.#bundle = workflowBundle;
    this.#searchAttributes = searchAttributes ?? 'ensure';
    this.#preload = preloadWorkflowModules ?? true;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    return this.#withWorkflows(super.configureWorker(options));
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return this.#withWorkflows(super.configureReplayWorker(options));
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler(options);
    const workflowsPath = composeWorkflowsPath(configured.workflowsPath);
    const preloadModules = this.#preload ? withPreloadModules(configured.preloadModules) : [...(configured.preloadModules ?? [])];
    return { ...configured, workflowsPath, preloadModules, webpackConfigHook: bundleHook(workflowsPath, configured.webpackConfigHook) };
  }

  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const connection = worker.connection;
    if (connection) await ensureSearchAttributes(connection, worker.options.namespace, this.#searchAttributes);
    return super.runWorker(worker, next);
  }

  /** The user's workflows plus ours; a bundle the user built is theirs to compose (see the header). */
  #withWorkflows<T extends WorkerOptions | ReplayWorkerOptions>(options: T): T {
    if (options.workflowBundle) return options;
    const preloadModules = this.#preload ? withPreloadModules(options.bundlerOptions?.preloadModules) : [...(options.bundlerOptions?.preloadModules ?? [])];
    if (options.workflowsPath) {
      const workflowsPath = composeWorkflowsPath(options.workflowsPath);
      const bundlerOptions = { ...options.bundlerOptions, preloadModules, webpackConfigHook: bundleHook(workflowsPath, options.bundlerOptions?.webpackConfigHook) };
      return { ...options, workflowsPath, bundlerOptions };
    }
    if (this.#bundle) return { ...options, workflowBundle: this.#bundle };
    const webpackConfigHook = bundleHook(WORKFLOWS_PATH, options.bundlerOptions?.webpackConfigHook);
    return { ...options, workflowsPath: WORKFLOWS_PATH, bundlerOptions: { ...options.bundlerOptions, preloadModules, webpackConfigHook } };
  }
}

/**
 * The webpack hook of a bundle with the plugin's workflows: one-byte output (bundle-latin1.ts), a
 * source map without the library sources' text (bundle-source-map.ts), the SDK's modules for a
 * composed entry (not needed when the entry is the plugin's own), then the user's.
 */
function bundleHook(workflowsPath: string, userHook: BundleOptions['webpackConfigHook']): NonNullable<BundleOptions['webpackConfigHook']> {
  return withLatin1Output(withLeanSourceMap(workflowsPath === WORKFLOWS_PATH ? userHook : withSdkModules(userHook)));
}

/**
 * The context-packs plugin for a Temporal worker: the `governedJob` workflow and its activities.
 *
 * @experimental Temporal's plugin API is experimental; this wrapper's options are stable.
 */
export function contextPacksPlugin(options: ContextPacksPluginOptions): ContextPacksPlugin {
  return new ContextPacksPlugin(options);
}
