/**
 * The context-packs Temporal plugin: one object added to a worker (and to `bundleWorkflowCode`)
 * brings the governed-job workflow and its activities.
 *
 *     const worker = await Worker.create({
 *       connection, taskQueue: 'context-packs',
 *       plugins: [contextPacksPlugin({ workspaces: { demo: './examples/workspace' } })],
 *     });
 *
 * The server must have the plugin's search attributes registered (`ctxpack dev` and
 * `docker-compose.temporal.yml` do it; see `shared/search-attributes.ts`).
 */
import { fileURLToPath } from 'node:url';
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type CreateActivitiesOptions } from '../activities/index.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ContextPacksPluginOptions extends CreateActivitiesOptions {
  /** Use a pre-built workflow bundle instead of bundling `workflows/` at worker start. */
  readonly workflowBundle?: { readonly codePath: string } | { readonly code: string };
}

/** @experimental Temporal's plugin API is experimental; this wrapper's options are stable. */
export function contextPacksPlugin(options: ContextPacksPluginOptions): SimplePlugin {
  const { workflowBundle, ...activityOptions } = options;
  return new SimplePlugin({
    name: 'context-packs',
    activities: createActivities(activityOptions),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
