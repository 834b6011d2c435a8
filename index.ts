/**
 * context-packs, worker and client side (`import ... from 'context-packs'`).
 *
 * Everything a worker, a client and a pack tool need: the plugin and ready-made workers, the
 * activities and the provider interface, the governed-job workflow's message definitions, and the
 * pack core (schemas, assembly, canonical form and hashing, stores, verification, diff).
 *
 * Workflow code imports `context-packs/workflow` instead: that entry holds only what the workflow
 * sandbox may load. Every name here is deliberate; `test/package/public-names.test.ts` pins the list.
 */

// --- Worker side: the plugin, ready-made workers, activities, providers --------------------------
export {
  ContextPacksPlugin,
  contextPacksPlugin,
  WORKFLOWS_PATH,
  WORKFLOW_PRELOAD_MODULES,
  type ContextPacksPluginOptions,
} from './workers/plugin.js';
export {
  ensureSearchAttributes,
  type HasOperatorService,
  type SearchAttributePolicy,
  type SearchAttributeReport,
} from './workers/search-attributes.js';
export {
  createContextPacksWorker,
  createContextPacksWorkers,
  DEFAULT_TASK_QUEUE,
  runAll,
  workspaceTaskQueue,
  type ContextPacksWorkerOptions,
  type ContextPacksWorkersOptions,
  type QueueWorker,
  type ServeMode,
  type WorkerTuning,
} from './workers/worker.js';
export {
  createActivities,
  defaultProviderFactory,
  type CreateActivitiesOptions,
  type GovernedJobActivities,
  type ModelResponseRecord,
  type ProviderContext,
  type ProviderFactory,
  type ProviderSnapshot,
} from './activities/index.js';
export {
  ProviderError,
  type ResultCandidate,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ToolCall,
} from './activities/providers/model-provider.js';

// --- Client side: the workflows, their messages (import these constants, never strings), the
// workflow-side API and its schemas: everything workflow code may import is on this entry too.
export * from './workflow.js';
/** The activity contract (inputs and results of every plugin activity), as zod schemas. */
export { ACTIVITY_CONTRACT } from './shared/core/schema/activities.js';

// --- Schemas: the single source of truth for packs, inputs and messages -------------------------
export {
  ContextItemsFile,
  ContextPayload,
  FreshnessDecision,
  FreshnessPolicy,
  GovernanceMode,
  GovernedJobInput,
  type GovernedJobParams,
  LockSet,
  PackBinding,
  ProviderEntry,
  ProviderRegistry,
  RESULT_LIMITS,
  ResultSchema,
  type ResultSchemaNodeType,
  RoleContextPack,
  RoleDefinition,
  RoleResult,
  RoleExecutionIdentity,
  Seat,
  Sha256Hash,
  SwapLogEntry,
  SwapRequest,
  SwapResult,
  VerificationContract,
  WorkProfile,
  WorkspaceSettings,
  WorkUnitContextPack,
  WorkUnitDefinition,
} from './shared/core/schema/index.js';
export { jsonSchemas } from './shared/core/json-schema.js';

// --- The pack core: assemble, hash, store, verify, render, compare -------------------------------
export { assembleAndStore, assemblePacks, seal, type AssembledPacks, type SealedPack, type StoredPacks } from './shared/engine/assemble/index.js';
export { canonicalBytes, canonicalJson } from './shared/core/canonical.js';
export { hashCanonical, sha256, shortHash, type Sha256 } from './shared/engine/hash.js';
export { loadPack, loadRolePack, loadWorkUnitPack, verifyPackBytes } from './shared/engine/pack-io.js';
export { renderPacks, type Rendering } from './shared/engine/render.js';
export { diffPacks, type PackDiffEntry } from './shared/core/diff.js';
export { decideFreshness, findStaleSources } from './shared/engine/freshness.js';
export { redactSecrets, type RedactionResult } from './shared/engine/redact/index.js';
export {
  FilePackStore,
  openPackStore,
  parseS3Spec,
  S3PackStore,
  s3StoreFromSpec,
  type PackStore,
  type S3PackStoreOptions,
  type S3StoreConfig,
  type StoreRef,
} from './shared/engine/store/index.js';
export { Workspace } from './shared/engine/workspace-fs.js';

// --- Failures: every error carries a stable `code` (the ApplicationFailure type) and a `fix` -----
export {
  ContextPackArtifactCorrupt,
  ContextPackProvenanceMissing,
  ContextPackRegenDenied,
  ContextPackRegenFailed,
  ContextPackStale,
  CtxPackError,
  ERROR_CODES,
  PackBudgetExceeded,
  PackInputRejected,
  PackPathRejected,
  PackSchemaInvalid,
  PackSourceMissing,
  PackStoreUnavailable,
  ModelResultInvalid,
  SearchAttributesMissing,
  TemporalCliUnavailable,
  TemporalUnreachable,
  type ErrorCode,
} from './shared/core/errors.js';
