/**
 * The package's public names, pinned: adding, renaming or removing an export is a decision made
 * here, in review, not a side effect. Checked against the sources (`public-names.test.ts`, in
 * `npm test`) and against the packed tarball under plain Node (`tarball.consumer.ts`).
 * Type-only exports are not listed: they do not exist at run time (the TypeScript consumer in
 * `tarball.consumer.ts` uses them).
 */

/** `context-packs`: worker and client side, and the pack core. */
export const PUBLIC_NAMES = [
  'ACTIVITY_CONTRACT', 'CarriedSeats', 'CarriedState', 'CloudConsent', 'CloudConsentRequest', 'GovernedSeats',
  'MultiRoleCarried', 'MultiRoleJobInput', 'NON_RETRYABLE', 'PackState', 'PlanResult', 'RoleStepInput',
  'SeatView', 'VerdictResult', 'currentDetails', 'failureText', 'failureType', 'governedActivities',
  'governedRoleStep', 'installOperatorView', 'installSwapHandlers', 'invokeGoverned', 'multiRoleJob',
  'operatorMemo', 'operatorSearchAttributes', 'runRoleStep',
  'CTXPACK_SEARCH_ATTRIBUTES', 'ContextItemsFile', 'ContextPackArtifactCorrupt',
  'ContextPackProvenanceMissing', 'ContextPackRegenDenied', 'ContextPackRegenFailed', 'ContextPackStale',
  'ContextPacksPlugin', 'ContextPayload', 'CtxPackCloud', 'CtxPackError', 'CtxPackHash', 'CtxPackJob',
  'CtxPackModel', 'CtxPackProvider', 'CtxPackRole', 'DEFAULT_TASK_QUEUE', 'ERROR_CODES', 'FilePackStore',
  'FreshnessDecision', 'FreshnessPolicy', 'GovernanceMode', 'GovernedJobInput', 'LockSet', 'PackBinding',
  'PackBudgetExceeded', 'PackInputRejected', 'PackPathRejected', 'PackSchemaInvalid', 'PackSourceMissing', 'PackStoreUnavailable',
  'ModelResultInvalid', 'ProviderEntry', 'ProviderError', 'ProviderRegistry', 'RESULT_LIMITS', 'ResultSchema',
  'RoleContextPack', 'RoleDefinition', 'RoleResult',
  'RoleExecutionIdentity', 'S3PackStore', 'SearchAttributesMissing', 'Seat', 'Sha256Hash', 'SwapLogEntry',
  'SwapRequest', 'SwapResult', 'TemporalCliUnavailable', 'TemporalUnreachable', 'VerificationContract',
  'WORKFLOWS_PATH', 'WORKFLOW_PRELOAD_MODULES', 'WorkProfile', 'WorkUnitContextPack', 'WorkUnitDefinition', 'Workspace',
  'WorkspaceSettings', 'assembleAndStore', 'assemblePacks', 'canonicalBytes', 'canonicalJson',
  'contextPacksPlugin', 'createActivities', 'createContextPacksWorker', 'createContextPacksWorkers',
  'decideFreshness', 'defaultProviderFactory', 'diffPacks', 'ensureSearchAttributes', 'findStaleSources',
  'governedJob', 'grantCloudConsent', 'hashCanonical', 'jsonSchemas', 'loadPack', 'loadRolePack',
  'loadWorkUnitPack', 'modelSwap', 'openPackStore', 'packState', 'parseS3Spec', 'readPackState',
  'redactSecrets', 'renderPacks', 'requestModelSwap', 'runAll', 's3StoreFromSpec', 'seal', 'sha256',
  'shortHash', 'verifyPackBytes', 'workspaceTaskQueue',
] as const;

/** `context-packs/workflow`: what workflow code may import. */
export const WORKFLOW_NAMES = [
  'CTXPACK_SEARCH_ATTRIBUTES', 'CarriedSeats', 'CarriedState', 'CloudConsent', 'CloudConsentRequest',
  'CtxPackCloud', 'CtxPackHash', 'CtxPackJob', 'CtxPackModel', 'CtxPackProvider', 'CtxPackRole',
  'GovernedSeats', 'MultiRoleCarried', 'MultiRoleJobInput', 'NON_RETRYABLE', 'PackState', 'PlanResult',
  'RoleStepInput', 'SeatView', 'VerdictResult', 'currentDetails', 'failureText', 'failureType',
  'governedActivities', 'governedJob', 'governedRoleStep', 'grantCloudConsent', 'installOperatorView',
  'installSwapHandlers', 'invokeGoverned', 'modelSwap', 'multiRoleJob', 'operatorMemo',
  'operatorSearchAttributes', 'packState', 'readPackState', 'requestModelSwap', 'runRoleStep',
] as const;
