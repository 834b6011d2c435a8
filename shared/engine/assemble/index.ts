/**
 * The assembler: role definition + work unit + workspace files -> a RoleContextPack and a
 * WorkUnitContextPack, each as canonical bytes with its `sha256:` hash. Deterministic: the same inputs
 * give the same bytes on any machine, in any directory.
 */
export * from './inputs.js';
export { buildRolePack, strictRulesText } from './role-pack.js';
export { buildWorkUnitPack, payloadLimit, RESPONSE_RESERVE_TOKENS, type WorkUnitPackOptions } from './work-unit-pack.js';
export { assembleAndStore, assemblePacks, assemblyMemo, seal, type AssembledPacks, type SealedPack, type StoredPacks } from './packs.js';
