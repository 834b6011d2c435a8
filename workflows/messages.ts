/**
 * The messages every governed workflow answers (the library's and users' own): swaps, cloud consent
 * and the operator view. Defined once, so a client's `requestModelSwap` works on any of them.
 */
import * as wf from '@temporalio/workflow';
import type { SwapRequest, SwapResult } from '../shared/core/schema/governed-job.js';
import type { CloudConsent, CloudConsentRequest } from '../shared/core/schema/workflow-state.js';
import type { GovernedSeats } from './seats.js';

/**
 * Swap the model (and possibly the role) of the running job. An Update rather than only a Signal,
 * because the caller wants the requested and effective pack hashes back, and a validator can refuse
 * a bad request without writing anything to history.
 */
export const requestModelSwap = wf.defineUpdate<SwapResult, [SwapRequest]>('requestModelSwap');
/** Fire-and-forget swap for callers that cannot wait; same code path, refusals go to the swap log. */
export const modelSwap = wf.defineSignal<[SwapRequest]>('modelSwap');
/**
 * Record consent to send (projected) context to cloud providers for this job (RT-LEAK-001). An
 * Update, so the caller knows consent is in force before it asks for a cloud swap.
 */
export const grantCloudConsent = wf.defineUpdate<CloudConsent, [CloudConsentRequest]>('grantCloudConsent');

export { packState, readPackState } from './operator-view.js';

/**
 * Installs the swap and consent messages of a governed workflow on `seats`: the `requestModelSwap`
 * Update (validated, refusals leave no history), the `modelSwap` Signal (refusals to the swap log)
 * and the `grantCloudConsent` Update (validated with its schema).
 */
export function installSwapHandlers(seats: GovernedSeats): void {
  wf.setHandler(requestModelSwap, (request) => seats.swap(request, 'update'), { validator: (request) => seats.validateSwap(request) });
  wf.setHandler(modelSwap, (request) => seats.swapFromSignal(request));
  wf.setHandler(grantCloudConsent, (request) => seats.grantConsent(request), { validator: (request) => seats.validateConsent(request) });
}

