/**
 * Reading packs back: from a store by hash, or from bytes on disk. A pack is valid only if its bytes
 * are exactly the canonical form of a schema-valid pack and hash to its name.
 */
import { canonicalJson } from '../core/canonical.js';
import { ContextPackArtifactCorrupt, PackSchemaInvalid } from '../core/errors.js';
import { sha256, type Sha256 } from './hash.js';
import { parseCache } from './parse-cache.js';
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
  // Bytes of this hash verified before parse to the same pack (parse-cache.ts): only the hash is checked again.
  return { hash, bytes, parsed: parseCache.get('pack', hash, bytes.length, () => parsePack(bytes, hash)) };
}

/** The full check of {@link verifyPackBytes} after the hash: UTF-8 JSON, a pack kind, its schema, canonical form. */
function parsePack(bytes: Uint8Array, hash: Sha256): AnyPack {
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
  return parsed;
}

/** Reads a pack from the store by hash and verifies it (hash, canonical form, schema). Throws `ContextPackArtifactCorrupt` or `PackSchemaInvalid`. */
export async function loadPack(store: PackStore, hash: string): Promise<VerifiedPack> {
  return verifyPackBytes(await store.get(hash), hash);
}

/** A verified pack of a known kind, with the bytes it was verified from. */
export interface LoadedPack<P> {
  readonly hash: Sha256;
  readonly bytes: Uint8Array;
  readonly pack: P;
}

function wrongKind(verified: VerifiedPack, kind: AnyPack['kind']): PackSchemaInvalid {
  const which = kind === 'RoleContextPack' ? 'role pack' : 'work-unit pack';
  return new PackSchemaInvalid(`${verified.hash} is a ${verified.parsed.kind}, not a ${kind}`, `pass the ${which} hash`, { hash: verified.hash });
}

function asRolePack(verified: VerifiedPack): LoadedPack<RoleContextPack> {
  if (verified.parsed.kind !== 'RoleContextPack') throw wrongKind(verified, 'RoleContextPack');
  return { hash: verified.hash, bytes: verified.bytes, pack: verified.parsed.pack };
}

function asWorkUnitPack(verified: VerifiedPack): LoadedPack<WorkUnitContextPack> {
  if (verified.parsed.kind !== 'WorkUnitContextPack') throw wrongKind(verified, 'WorkUnitContextPack');
  return { hash: verified.hash, bytes: verified.bytes, pack: verified.parsed.pack };
}

/** Reads and verifies a role pack by hash ({@link loadPack}), refusing any other kind. */
export async function loadRolePack(store: PackStore, hash: string): Promise<RoleContextPack> {
  return asRolePack(await loadPack(store, hash)).pack;
}

/** Reads and verifies a work-unit pack by hash ({@link loadPack}), refusing any other kind. */
export async function loadWorkUnitPack(store: PackStore, hash: string): Promise<WorkUnitContextPack> {
  return asWorkUnitPack(await loadPack(store, hash)).pack;
}

/**
 * Packs read through one reader are fetched, re-hashed and parsed once: an activity that needs the
 * same pack in several steps (bind a pinned pack, describe its binding, compare it with the one in
 * force) makes one store read per artifact. Packs the activity itself just built and stored can be
 * added with {@link PackReader.add}, so they are not read back at all. Meant for one activity call:
 * a later call must see the store as it is then.
 */
export interface PackReader {
  role(hash: string): Promise<LoadedPack<RoleContextPack>>;
  workUnit(hash: string): Promise<LoadedPack<WorkUnitContextPack>>;
  /** Packs verified by their builder (canonical bytes, hash of those bytes). */
  add(pack: { readonly hash: Sha256; readonly bytes: Uint8Array; readonly pack: RoleContextPack | WorkUnitContextPack }): void;
}

export function packReader(store: PackStore): PackReader {
  const seen = new Map<string, Promise<VerifiedPack>>();
  const read = (hash: string): Promise<VerifiedPack> => {
    let pending = seen.get(hash);
    if (!pending) {
      pending = loadPack(store, hash);
      seen.set(hash, pending);
    }
    return pending;
  };
  return {
    role: async (hash) => asRolePack(await read(hash)),
    workUnit: async (hash) => asWorkUnitPack(await read(hash)),
    add: ({ hash, bytes, pack }) => {
      const parsed: AnyPack = pack.kind === 'RoleContextPack' ? { kind: pack.kind, pack } : { kind: pack.kind, pack };
      seen.set(hash, Promise.resolve({ hash, bytes, parsed }));
    },
  };
}
