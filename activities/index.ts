/** Every activity of the governed workflows, bound to one worker's workspaces and store. */
import { parseOrThrow } from '../shared/schema/parse.js';
import { ACTIVITY_CONTRACT } from '../shared/schema/activities.js';
import { createAssembleActivities } from './assemble.js';
import { localWorkspace, storeResolver, workspaceResolver, type ContextPacksActivityOptions } from './config.js';
import { toFailure } from './failures.js';
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
  return checkedInputs({
    ...createAssembleActivities(resolve),
    ...createInvokeActivities(
      { workspace: resolve, store: storeResolver(options, resolve), localWorkspace: localWorkspace(options, resolve) },
      options.providerFactory,
    ),
    ...createVerifyActivities(resolve),
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
