/** Every activity of the governed workflows, bound to one worker's workspaces and store. */
import { parseOrThrow } from '../shared/core/schema/parse.js';
import { ACTIVITY_CONTRACT } from '../shared/core/schema/activities.js';
import { createAssembleActivities } from './assemble.js';
import { resolveConfig, type ContextPacksActivityOptions } from './config.js';
import { toFailure } from './failures.js';
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
  return checkedInputs({
    ...createAssembleActivities(config.workspace),
    ...createInvokeActivities(config, options.providerFactory),
    ...createVerifyActivities(config.workspace),
  });
}

/**
 * Every activity parses its input with its contract schema first: workflows of users' own design call
 * these activities too, and a malformed input must fail at once, non-retryable, as PackSchemaInvalid
 * naming the field, rather than deep inside the pack machinery (or, worse, retried ten times).
 */
function checkedInputs(activities: GovernedJobActivities): GovernedJobActivities {
  const check = <I, R>(name: keyof GovernedJobActivities, body: (input: I) => Promise<R>) => {
    return async (input: I): Promise<R> => {
      try {
        parseOrThrow(ACTIVITY_CONTRACT[name].input, input, `${name} input`);
      } catch (err) {
        throw toFailure(err);
      }
      return body(input);
    };
  };
  return {
    describeWorkspace: check('describeWorkspace', activities.describeWorkspace),
    bindPacks: check('bindPacks', activities.bindPacks),
    swapPacks: check('swapPacks', activities.swapPacks),
    prepareInvocation: check('prepareInvocation', activities.prepareInvocation),
    invokeModel: check('invokeModel', activities.invokeModel),
    applyToolCalls: check('applyToolCalls', activities.applyToolCalls),
    verifyMicroTask: check('verifyMicroTask', activities.verifyMicroTask),
  };
}
