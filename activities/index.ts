/** Every activity of the governed-job workflow, bound to one worker's workspaces and store. */
import { createAssembleActivities } from './assemble.js';
import { resolveConfig, type ContextPacksActivityOptions } from './config.js';
import { createInvokeActivities, type ProviderFactory } from './invoke-model.js';
import type { GovernedJobActivities } from './types.js';
import { createVerifyActivities } from './verify.js';

export type { ContextPacksActivityOptions } from './config.js';
export { defaultProviderFactory, type ProviderContext, type ProviderFactory } from './invoke-model.js';
export type { ModelResponseRecord, ProviderSnapshot } from './run-artifacts.js';
export type * from './types.js';

/** Options of {@link createActivities}: workspaces, store and the provider factory. */
export interface CreateActivitiesOptions extends ContextPacksActivityOptions {
  /** Builds a provider from its registry entry; default: the scripted provider only. */
  readonly providerFactory?: ProviderFactory;
}

/** The plugin's activities bound to this worker's workspaces and store. Register them on a worker, or let {@link ContextPacksPlugin} do it. */
export function createActivities(options: CreateActivitiesOptions): GovernedJobActivities {
  // One resolver for the whole set: each workspace is opened, and each store made, once per worker.
  const config = resolveConfig(options);
  return {
    ...createAssembleActivities(config.workspace),
    ...createInvokeActivities(config, options.providerFactory),
    ...createVerifyActivities(config.workspace),
  };
}
