/**
 * Artifacts a governed run stores beside its packs, content-addressed in the same store, so that the
 * worker that calls a model need not have the workspace, and the one that applies the answer need not
 * have called the model:
 *
 * - a provider snapshot: the registry entry the seat names, the registry's hash, and for the scripted
 *   provider its parsed answers. Written by the workspace side before a call, read by the model side.
 * - a model response: the text and tool calls (with file contents) a model answered, and its raw
 *   structured result if it has one. Written by the model side, applied by the workspace side. File
 *   contents written by models never enter history.
 *
 * Both are canonical JSON (the pack's canonical form) with a `kind`, checked on load like packs.
 */
import { z } from 'zod';
import { canonicalBytes } from '../shared/core/canonical.js';
import { PackSchemaInvalid } from '../shared/core/errors.js';
import type { Sha256 } from '../shared/engine/hash.js';
import { parseCache } from '../shared/engine/parse-cache.js';
import { Sha256Hash } from '../shared/core/schema/common.js';
import { parseOrThrow } from '../shared/core/schema/parse.js';
import { ProviderEntry } from '../shared/core/schema/providers.js';
import type { PackStore } from '../shared/engine/store/index.js';
import { ScriptFile } from './providers/scripted.js';

/** The provider entry an invocation used, stored content-addressed so replay knows exactly what was called. */
export const ProviderSnapshot = z.strictObject({
  kind: z.literal('ProviderSnapshot'),
  schema_version: z.literal(1),
  entry: ProviderEntry,
  provider_registry_hash: Sha256Hash.nullable(),
  /** For `api: scripted` only: the answers, so any worker can play them. */
  script: ScriptFile.optional(),
});
export type ProviderSnapshot = z.infer<typeof ProviderSnapshot>;

/** A model's answer as stored (content-addressed) after an invocation; history holds only its hash. */
export const ModelResponseRecord = z.strictObject({
  kind: z.literal('ModelResponse'),
  schema_version: z.literal(1),
  text: z.string(),
  tool_calls: z.array(z.strictObject({ tool: z.string(), path: z.string().optional(), content: z.string().optional() })),
  /**
   * The raw structured result the provider handed back (before validation and redaction), for roles
   * with a result schema: stored so that a rejected result can be inspected.
   */
  result: z.json().optional(),
});
export type ModelResponseRecord = z.infer<typeof ModelResponseRecord>;

/** Stores a run artifact; returns its hash. */
export async function putRunArtifact(store: PackStore, value: ProviderSnapshot | ModelResponseRecord): Promise<Sha256> {
  return (await store.put(canonicalBytes(value))).hash;
}

/** A number per schema object, for parse-cache keys (schemas have no name of their own). */
const schemaIds = new WeakMap<z.ZodType, number>();
let nextSchemaId = 0;
function schemaId(schema: z.ZodType): number {
  let id = schemaIds.get(schema);
  if (id === undefined) schemaIds.set(schema, (id = nextSchemaId++));
  return id;
}

/**
 * Loads and checks a run artifact. `store.get` re-hashes, so a damaged artifact is
 * ContextPackArtifactCorrupt; bytes that are not the expected kind are PackSchemaInvalid.
 */
export async function loadRunArtifact<T extends z.ZodType>(store: PackStore, hash: string, schema: T, what: string): Promise<z.output<T>> {
  const bytes = await store.get(hash);
  // store.get re-hashes and refuses bytes that do not match (PackStore's contract): `hash` names these
  // bytes, so it keys their parse (parse-cache.ts) without hashing them a second time. The schema is
  // part of the key by identity: a caller's label (`what`) only words the errors, which are not kept.
  return parseCache.get(`run:${schemaId(schema)}`, hash, bytes.length, () => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new PackSchemaInvalid(`${what} ${hash} is not UTF-8 JSON`, 'the store holds something else under this hash; re-run the iteration', { hash });
    }
    return parseOrThrow(schema, value, `${what} ${hash}`);
  });
}
