/**
 * Assembling both packs of a role and a work unit, through the assembly memo. Its own module, apart
 * from the builders: a reuse (nothing changed since the last assembly, in this process or a saved
 * one) loads only this, the memo and the workspace; the builders, with the schemas, YAML parser,
 * redactor and tokenizer they need, are imported on the first full assembly.
 */
import { canonicalBytes } from '../../core/canonical.js';
import { ContextPackArtifactCorrupt } from '../../core/errors.js';
import type { RoleContextPack } from '../../core/schema/role-pack.js';
import type { WorkUnitContextPack } from '../../core/schema/work-unit-pack.js';
import { sha256, type Sha256 } from '../hash.js';
import type { PackStore, StoreRef } from '../store/types.js';
import type { Workspace } from '../workspace-fs.js';
import type { WorkUnitRef } from './inputs.js';
import { isKeyOrder, keyOrderOf, withKeyOrder, type KeyOrder } from './key-order.js';
import { AssemblyMemo } from './memo.js';
import type { MemoCodec } from './memo-disk.js';
import type { WorkUnitPackOptions } from './work-unit-pack.js';

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

/**
 * A sealed pack from saved bytes whose hashes were checked: `bytes` are its canonical bytes, `order`
 * the key order of the pack object as built (key-order.ts). The object is the canonical bytes parsed
 * and put back in that order, because key order matters downstream (render.ts writes the data block
 * with JSON.stringify): this gives the object exactly as a full assembly built it. Made on first use
 * (a swap that only compares hashes, or `ctxpack assemble` printing them, never needs it).
 */
function fromSaved<T>(bytes: Uint8Array, hash: string, order: KeyOrder): SealedPack<T> {
  let pack: T | undefined;
  return {
    get pack(): T {
      if (pack === undefined) {
        try {
          pack = withKeyOrder(JSON.parse(textOf(bytes)), order) as T;
        } catch {
          // Both sections passed their hashes, so only a memo written by other code gets here.
          throw new ContextPackArtifactCorrupt(
            `the saved assembly memo for pack ${hash} does not fit the pack (its key order names other keys)`,
            'delete the assembly-memo.* files in the workspace\'s .ctxpack/cache and assemble again',
            { hash, reason: 'memo-key-order' },
          );
        }
      }
      return pack;
    },
    bytes,
    hash: hash as Sha256,
  };
}

function orderSection(pack: unknown): { bytes: Uint8Array; hash: string } {
  const bytes = Buffer.from(JSON.stringify(keyOrderOf(pack)), 'utf8');
  return { bytes, hash: sha256(bytes) };
}

/** The UTF-8 text of a section (a view into the memo file's buffer, not a copy). */
function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function orderOf(section: { readonly bytes: Uint8Array }): KeyOrder {
  const raw: unknown = JSON.parse(textOf(section.bytes));
  if (!isKeyOrder(raw)) throw new Error('not a key order');
  return raw;
}

const PACKS_CODEC: MemoCodec<AssembledPacks> = {
  encode: (packs) => [
    { bytes: packs.role.bytes, hash: packs.role.hash },
    orderSection(packs.role.pack),
    { bytes: packs.workUnit.bytes, hash: packs.workUnit.hash },
    orderSection(packs.workUnit.pack),
  ],
  decode: ([role, roleOrder, workUnit, workUnitOrder]) => {
    if (!role || !roleOrder || !workUnit || !workUnitOrder) throw new Error('four sections expected');
    return { role: fromSaved(role.bytes, role.hash, orderOf(roleOrder)), workUnit: fromSaved(workUnit.bytes, workUnit.hash, orderOf(workUnitOrder)) };
  },
};

/** Packs assembled in this process (or saved by an earlier one), reused while every input they were built from is unchanged. */
export const assemblyMemo = new AssemblyMemo<AssembledPacks>((packs) => packs.role.bytes.length + packs.workUnit.bytes.length, PACKS_CODEC);

/**
 * Assembles both packs. When the same role and work unit were assembled with the same options before
 * (in this process, or by one whose memo is saved in the workspace's `.ctxpack/cache`) and none of
 * the files, existence checks or globs that assembly read has changed, the same packs are returned
 * without rebuilding (see memo.ts); the bytes are identical either way.
 */
export async function assemblePacks(
  workspace: Workspace,
  roleId: string,
  workUnit: WorkUnitRef,
  options: WorkUnitPackOptions = {},
): Promise<AssembledPacks> {
  const build = async (view: Workspace): Promise<AssembledPacks> => {
    const [{ buildRolePack }, { buildWorkUnitPack }] = await Promise.all([import('./role-pack.js'), import('./work-unit-pack.js')]);
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
