/**
 * context-packs: the public surface. Everything a user needs to build, store, verify and bind
 * Context Packs, and to run governed jobs on Temporal. Internals stay unexported.
 */
// Worker side: the plugin and a ready-made worker.
export { contextPacksPlugin, type ContextPacksPluginOptions, WORKFLOWS_PATH } from './workers/plugin.js';
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
  type ProviderContext,
  type ProviderFactory,
  type ProviderSnapshot,
  type ModelResponseRecord,
} from './activities/index.js';
export type { ModelProvider, ModelRequest, ModelResponse, ToolCall } from './activities/providers/model-provider.js';

// Client side: the workflow and its messages (import constants, never strings).
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

// The pack core.
export * from './shared/schema/index.js';
export { assembleAndStore, assemblePacks, seal, type AssembledPacks, type SealedPack, type StoredPacks } from './shared/assemble/index.js';
export { canonicalBytes, canonicalJson } from './shared/canonical.js';
export { hashCanonical, sha256, shortHash, type Sha256 } from './shared/hash.js';
export { loadPack, loadRolePack, loadWorkUnitPack, verifyPackBytes } from './shared/pack-io.js';
export { renderPacks, type Rendering } from './shared/render.js';
export { diffPacks, type PackDiffEntry } from './shared/diff.js';
export { decideFreshness, findStaleSources } from './shared/freshness.js';
export { redactSecrets, type RedactionResult } from './shared/redact/index.js';
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
} from './shared/store/index.js';
export { Workspace } from './shared/workspace-fs.js';
export { jsonSchemas } from './shared/json-schema.js';
export * from './shared/errors.js';
export * from './shared/search-attributes.js';
