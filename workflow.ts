/**
 * context-packs, workflow side (`import ... from 'context-packs/workflow'`).
 *
 * Only what Temporal's workflow sandbox may load: the governed-job workflow, its message
 * definitions and the types of what they carry. Nothing here imports a Node module (a test bundles
 * this entry from the packed tarball with `bundleWorkflowCode` to keep it so).
 *
 * To run `governedJob` next to your own workflows, either add `contextPacksPlugin(...)` to your
 * worker (it bundles your `workflowsPath` together with this entry), or re-export it yourself from
 * your workflows file:
 *
 *     export { governedJob } from 'context-packs/workflow';
 */
export {
  governedJob,
  grantCloudConsent,
  modelSwap,
  packState,
  readPackState,
  requestModelSwap,
  type CloudConsent,
  type GovernedJobResult,
  type PackState,
} from './workflows/governed-job.js';
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
