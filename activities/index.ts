/** Every activity of the governed-job workflow, bound to one worker's workspaces and store. */
import { createAssembleActivities } from './assemble.js';
import { localWorkspace, storeResolver, workspaceResolver, type ContextPacksActivityOptions } from './config.js';
import { createInvokeActivities, type ProviderFactory } from './invoke-model.js';
import type { GovernedJobActivities } from './types.js';
import { createVerifyActivities } from './verify.js';

export type { ContextPacksActivityOptions } from './config.js';
export { defaultProviderFactory, type ProviderContext, type ProviderFactory } from './invoke-model.js';
export type { ModelResponseRecord, ProviderSnapshot } from './run-artifacts.js';
export type * from './types.js';

export interface CreateActivitiesOptions extends ContextPacksActivityOptions {
  /** Builds a provider from its registry entry; default: the scripted provider only. */
  readonly providerFactory?: ProviderFactory;
}

export function createActivities(options: CreateActivitiesOptions): GovernedJobActivities {
  const resolve = workspaceResolver(options);
  return {
    ...createAssembleActivities(resolve),
    ...createInvokeActivities(
      { workspace: resolve, store: storeResolver(options, resolve), localWorkspace: localWorkspace(options, resolve) },
      options.providerFactory,
    ),
    ...createVerifyActivities(resolve),
  };
}
