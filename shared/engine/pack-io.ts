/**
 * Reading packs back: from a store by hash, or from bytes on disk. A pack is valid only if its bytes
 * are exactly the canonical form of a schema-valid pack and hash to its name.
 */
import { canonicalJson } from '../core/canonical.js';
import { ContextPackArtifactCorrupt, PackSchemaInvalid } from '../core/errors.js';
import { sha256, type Sha256 } from './hash.js';
import { parseOrThrow } from '../core/schema/parse.js';
import { RoleContextPack } from '../core/schema/role-pack.js';
import { WorkUnitContextPack } from '../core/schema/work-unit-pack.js';
import type { PackStore } from './store/index.js';

export type AnyPack =
  | { readonly kind: 'RoleContextPack'; readonly pack: RoleContextPack }
  | { readonly kind: 'WorkUnitContextPack'; readonly pack: WorkUnitContextPack };

export interface VerifiedPack {
  readonly hash: Sha256;
  readonly bytes: Uint8Array;
  readonly parsed: AnyPack;
}

/**
 * Checks bytes are a canonical, schema-valid pack; `expectedHash` (when given) must match.
 * @throws ContextPackArtifactCorrupt on a hash mismatch, PackSchemaInvalid on anything else.
 */
export function verifyPackBytes(bytes: Uint8Array, expectedHash?: string): VerifiedPack {
  const hash = sha256(bytes);
  if (expectedHash !== undefined && hash !== expectedHash) {
    throw new ContextPackArtifactCorrupt(
      `pack bytes hash to ${hash}, not the expected ${expectedHash}`,
      'the artifact was changed or damaged: regenerate the pack (ctxpack assemble) and discard this copy',
      { expected: expectedHash, actual: hash, reason: 'hash-mismatch' },
    );
  }
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch {
    throw new PackSchemaInvalid(`pack ${hash} is not UTF-8 JSON`, 'rebuild the pack with ctxpack assemble', { hash });
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  let parsed: AnyPack;
  if (kind === 'RoleContextPack') {
    parsed = { kind, pack: parseOrThrow(RoleContextPack, value, `pack ${hash}`) };
  } else if (kind === 'WorkUnitContextPack') {
    parsed = { kind, pack: parseOrThrow(WorkUnitContextPack, value, `pack ${hash}`) };
  } else {
    throw new PackSchemaInvalid(
      `pack ${hash}: kind is ${JSON.stringify(kind)}, not "RoleContextPack" or "WorkUnitContextPack"`,
      'pass a file written by ctxpack assemble',
      { hash },
    );
  }
  // Bytes that parse but are not canonical would hash differently when rebuilt: not a valid pack.
  if (canonicalJson(value) !== text) {
    throw new PackSchemaInvalid(
      `pack ${hash} is not in canonical form (RFC 8785)`,
      'store packs exactly as ctxpack writes them; do not reformat or re-indent them',
      { hash },
    );
  }
  return { hash, bytes, parsed };
}

export async function loadPack(store: PackStore, hash: string): Promise<VerifiedPack> {
  return verifyPackBytes(await store.get(hash), hash);
}

export async function loadRolePack(store: PackStore, hash: string): Promise<RoleContextPack> {
  const { parsed } = await loadPack(store, hash);
  if (parsed.kind !== 'RoleContextPack') {
    throw new PackSchemaInvalid(`${hash} is a ${parsed.kind}, not a RoleContextPack`, 'pass the role pack hash', { hash });
  }
  return parsed.pack;
}

export async function loadWorkUnitPack(store: PackStore, hash: string): Promise<WorkUnitContextPack> {
  const { parsed } = await loadPack(store, hash);
  if (parsed.kind !== 'WorkUnitContextPack') {
    throw new PackSchemaInvalid(
      `${hash} is a ${parsed.kind}, not a WorkUnitContextPack`,
      'pass the work-unit pack hash',
      { hash },
    );
  }
  return parsed.pack;
}
