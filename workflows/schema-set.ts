/**
 * The zod schemas the library's workflows parse with (their inputs, carried state, Update and Signal
 * input, structured results). Never imported statically by workflow code: workflows/schemas.ts loads
 * it once per V8 context, so these are built once per worker thread rather than once per workflow.
 */
export { GovernedJobInput, SwapRequest } from '../shared/core/schema/governed-job.js';
export { CarriedState, CloudConsentRequest, MultiRoleCarried, MultiRoleJobInput, PlanResult, RoleStepInput, VerdictResult } from '../shared/core/schema/workflow-state.js';
