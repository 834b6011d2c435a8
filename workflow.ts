/**
 * context-packs, workflow side (`import ... from 'context-packs/workflow'`).
 *
 * Only what Temporal's workflow sandbox may load: the library's governed workflows, their message
 * definitions, the workflow-side API your own governed workflows compose, and the schemas and types
 * of what they carry. Nothing here imports a Node module (a test bundles this entry from the packed
 * tarball with `bundleWorkflowCode` to keep it so).
 *
 * To run the library's workflows next to your own, either add `contextPacksPlugin(...)` to your
 * worker (it bundles your `workflowsPath` together with this entry), or re-export them yourself from
 * your workflows file:
 *
 *     export { governedJob, multiRoleJob, governedRoleStep } from 'context-packs/workflow';
 *
 * To govern a workflow of your own: `new GovernedSeats(...)` (describe, bind, swap, escalate),
 * `installSwapHandlers(seats)`, `installOperatorView(() => state)`, and `invokeGoverned(...)` for each
 * model call (see README, "Composing your own governed workflow").
 */
export { governedJob, type GovernedJobResult } from './workflows/governed-job.js';
export { multiRoleJob, type MultiRoleJobResult } from './workflows/multi-role-job.js';
export { governedRoleStep, runRoleStep, type RoleStepResult } from './workflows/role-step.js';
export { grantCloudConsent, installSwapHandlers, modelSwap, packState, readPackState, requestModelSwap } from './workflows/messages.js';
export { failureText, failureType, governedActivities, NON_RETRYABLE, type GovernedActivities } from './workflows/activities.js';
export { GovernedSeats, type BoundSeat, type GovernedSeatsOptions, type SeatsProgress } from './workflows/seats.js';
export { invokeGoverned, type GovernedInvocation, type GovernedInvocationInput } from './workflows/invocation.js';
export { currentDetails, installOperatorView, operatorMemo, operatorSearchAttributes, type OperatorView } from './workflows/operator-view.js';
export {
  CarriedSeats,
  CarriedState,
  CloudConsent,
  CloudConsentRequest,
  MultiRoleCarried,
  MultiRoleJobInput,
  PackState,
  PlanResult,
  RoleStepInput,
  SeatView,
  VerdictResult,
  type MultiRoleJobParams,
} from './shared/core/schema/workflow-state.js';
export {
  CTXPACK_SEARCH_ATTRIBUTES,
  CtxPackCloud,
  CtxPackHash,
  CtxPackJob,
  CtxPackModel,
  CtxPackProvider,
  CtxPackRole,
} from './shared/core/search-attributes.js';
export type {
  GovernedJobInput,
  GovernedJobParams,
  PackBinding,
  RoleExecutionIdentity,
  Seat,
  SwapLogEntry,
  SwapRequest,
  SwapResult,
} from './shared/core/schema/governed-job.js';
export type {
  BindPacksResult,
  InvokeModelInput,
  InvokeModelResult,
  SwapPacksResult,
  ToolCallRecord,
  VerifyResult,
} from './shared/core/schema/activities.js';
