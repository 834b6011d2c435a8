/**
 * The assembler: role definition + work unit + workspace files -> a RoleContextPack and a
 * WorkUnitContextPack, each as canonical bytes with its `sha256:` hash. Deterministic: the same inputs
 * give the same bytes on any machine, in any directory.
 */
import { canonicalBytes } from '../../core/canonical.js';
import { sha256, type Sha256 } from '../hash.js';
import type { RoleContextPack } from '../../core/schema/role-pack.js';
import type { WorkUnitContextPack } from '../../core/schema/work-unit-pack.js';
import type { PackStore, StoreRef } from '../store/index.js';
import type { Workspace } from '../workspace-fs.js';
import type { WorkUnitRef } from './inputs.js';
import { AssemblyMemo } from './memo.js';
import { buildRolePack } from './role-pack.js';
import { buildWorkUnitPack, type WorkUnitPackOptions } from './work-unit-pack.js';

export * from './inputs.js';
export { buildRolePack, strictRulesText } from './role-pack.js';
export { buildWorkUnitPack, payloadLimit, RESPONSE_RESERVE_TOKENS, type WorkUnitPackOptions } from './work-unit-pack.js';

/** A pack with the exact bytes its hash is computed over. */
export interface SealedPack<T> {
  readonly pack: T;
  readonly bytes: Uint8Array;
  readonly hash: Sha256;
}

/** Seals a pack: its canonical bytes (RFC 8785) and their `sha256:` hash. */
export function seal<T>(pack: T): SealedPack<T> {
  const bytes = canonicalBytes(pack);
  return { pack, bytes, hash: sha256(bytes) };
}

/** Both packs of one assembly, each sealed (canonical bytes and their `sha256:` hash). */
export interface AssembledPacks {
  readonly role: SealedPack<RoleContextPack>;
  readonly workUnit: SealedPack<WorkUnitContextPack>;
}

/** Packs assembled in this process, reused while every input they were built from is unchanged. */
export const assemblyMemo = new AssemblyMemo<AssembledPacks>((packs) => packs.role.bytes.length + packs.workUnit.bytes.length);

/**
 * Assembles both packs. When this process assembled the same role and work unit with the same options
 * before and none of the files, existence checks or globs it read has changed, the same packs are
 * returned without rebuilding (see memo.ts); the bytes are identical either way.
 */
export async function assemblePacks(
  workspace: Workspace,
  roleId: string,
  workUnit: WorkUnitRef,
  options: WorkUnitPackOptions = {},
): Promise<AssembledPacks> {
  const build = async (view: Workspace): Promise<AssembledPacks> => {
    const role = seal(await buildRolePack(view, roleId));
    const unit = seal(await buildWorkUnitPack(view, workUnit, role.pack, role.hash, options));
    return { role, workUnit: unit };
  };
  // An in-memory work unit is not a file the memo can watch (and may not even be JSON): always build.
  if ('object' in workUnit) return build(workspace);
  return assemblyMemo.get(workspace, { roleId, workUnit: workUnit.path, contextWindow: options.contextWindow ?? null, requestFit: options.requestFit ?? null }, build);
}

/** Assembled packs after storing, with their store refs. */
export interface StoredPacks extends AssembledPacks {
  readonly storeRefs: { readonly role: StoreRef; readonly workUnit: StoreRef };
}

/** Assembles and stores both packs. The role pack is stored first, so a work-unit pack never names a missing role pack. */
export async function assembleAndStore(
  workspace: Workspace,
  roleId: string,
  workUnit: WorkUnitRef,
  store: PackStore,
  options: WorkUnitPackOptions = {},
): Promise<StoredPacks> {
  const packs = await assemblePacks(workspace, roleId, workUnit, options);
  const role = await store.put(packs.role.bytes);
  const unit = await store.put(packs.workUnit.bytes);
  return { ...packs, storeRefs: { role: role.ref, workUnit: unit.ref } };
}
