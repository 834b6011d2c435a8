/**
 * WorkUnitContextPack v1: the task a role works on, bound to the role pack it was built for.
 * Sort keys: `required_files` by `path`; `sources` by `source_id`; `redactions` by `source_id`, then
 * `rule`. `micro_tasks` and `verification.commands` keep their authored order (execution order).
 */
import { z } from 'zod';
import { SafeId, SafeText } from '../text/brand.js';
import { Builder, RoleId, Sha256Hash, Sources, Tokenizer, Version, WorkspacePath, sortedSet } from './common.js';
import { ContextPayload } from './payload.js';
import { ACCEPTANCE_MAX_CHARS, ARGV_MAX_CHARS, TITLE_MAX_CHARS, WorkingDirectory } from './work-unit.js';
import { SourceId } from './common.js';

// Fields in canonical (sorted) order: parsed entries then need no re-ordering copy when hashed.
export const RequiredFile = z.strictObject({
  bytes: z.number().int().min(0),
  path: WorkspacePath,
  sha256: Sha256Hash,
});
export type RequiredFile = z.infer<typeof RequiredFile>;

/** What was redacted or rewritten in a source: counts by rule, never the value. */
export const RedactionEntry = z.strictObject({
  source_id: SourceId,
  rule: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  count: z.number().int().min(1),
});
export type RedactionEntry = z.infer<typeof RedactionEntry>;

/** A micro-task as a pack carries it: its id and title through the sanitizer. */
export const PackMicroTask = z.strictObject({ id: SafeId, title: SafeText(TITLE_MAX_CHARS) });
export type PackMicroTask = z.infer<typeof PackMicroTask>;

export const PackVerificationCommand = z.strictObject({
  argv: z.array(SafeText(ARGV_MAX_CHARS)).min(1).max(256),
  cwd: WorkingDirectory,
  timeout_seconds: z.number().int().min(1).max(3600),
});

export const PackVerification = z.strictObject({
  commands: z.array(PackVerificationCommand).max(50),
  acceptance: SafeText(ACCEPTANCE_MAX_CHARS),
});
export type PackVerification = z.infer<typeof PackVerification>;

/** The work-unit pack: job, packet and micro-task ids, required files, verification contract, context payload and token budgets. */
export const WorkUnitContextPack = z.strictObject({
  kind: z.literal('WorkUnitContextPack'),
  schema_version: z.literal(1),
  job_id: SafeId,
  work_packet_id: SafeId,
  micro_tasks: z.array(PackMicroTask).min(1),
  role: z.strictObject({ id: RoleId, version: Version }),
  role_pack_hash: Sha256Hash,
  required_files: sortedSet(RequiredFile, (f) => f.path, 'path'),
  verification: PackVerification,
  payload: ContextPayload,
  budgets: z.strictObject({
    tokenizer: Tokenizer,
    payload_tokens: z.strictObject({ limit: z.number().int().min(1), used: z.number().int().min(0) }),
  }),
  sources: Sources,
  /** Hash of the canonical `sources` array: one value to compare for freshness. */
  sources_hash: Sha256Hash,
  redactions: sortedSet(RedactionEntry, (r) => `${r.source_id}\u0000${r.rule}`, 'source_id and rule'),
  builder: Builder,
});
export type WorkUnitContextPack = z.infer<typeof WorkUnitContextPack>;

/**
 * {@link WorkUnitContextPack} with `required_files` and `sources` left to {@link plainPackListsValid}:
 * for a built pack of 10,000 files those two lists are most of the self-check's cost.
 * @internal
 */
export const WorkUnitContextPackPlainLists = WorkUnitContextPack.extend({ required_files: z.array(z.unknown()), sources: z.array(z.unknown()) });

const SHA256_HASH = /^sha256:[0-9a-f]{64}$/;
const SOURCE_ID = /^(?:role|codex|work-unit|context|file):(.+)$/;

function keysAre(value: unknown, a: string, b: string, c?: string): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Counted with for-in, not Object.keys: no array per entry, 20,000 entries a pack. An inherited
  // enumerable key (there are none on a plain object) only makes the count differ: the full schema.
  let count = 0;
  for (const _key in value) count += 1;
  return count === (c === undefined ? 2 : 3) && a in value && b in value && (c === undefined || c in value);
}

/**
 * True when `required_files` and `sources` pass their schemas (RequiredFile, Source, sorted and
 * duplicate-free) with every path a plain path (`isPlainPath`, which implies the path rules). False
 * means "check with the full schema", not necessarily invalid.
 * @internal
 */
export function plainPackListsValid(requiredFiles: unknown, sources: unknown, isPlainPath: (p: string) => boolean): boolean {
  if (!Array.isArray(requiredFiles) || !Array.isArray(sources)) return false;
  let last: string | undefined;
  for (const f of requiredFiles as unknown[]) {
    if (!keysAre(f, 'bytes', 'path', 'sha256')) return false;
    const { bytes, path, sha256 } = f;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) return false;
    if (typeof path !== 'string' || !isPlainPath(path) || typeof sha256 !== 'string' || !SHA256_HASH.test(sha256)) return false;
    if (last !== undefined && !(last < path)) return false;
    last = path;
  }
  last = undefined;
  // Each required file has a `file:` source with its path and hash, in the same order (both lists are
  // sorted, and the prefix keeps the order): a source equal to the next one of those was checked above,
  // so only its sort order is checked again. Any other source gets every check.
  let next = 0;
  for (const s of sources as unknown[]) {
    if (!keysAre(s, 'source_hash', 'source_id')) return false;
    const { source_hash: hash, source_id: id } = s;
    if (typeof hash !== 'string' || typeof id !== 'string') return false;
    // Every entry of requiredFiles passed the checks above, so it has these two strings.
    const file = requiredFiles[next] as { readonly path: string; readonly sha256: string } | undefined;
    if (file !== undefined && hash === file.sha256 && id.length === file.path.length + 5 && id.startsWith('file:') && id.endsWith(file.path)) {
      next += 1;
    } else {
      if (!SHA256_HASH.test(hash)) return false;
      const rest = SOURCE_ID.exec(id)?.[1];
      if (rest === undefined || !isPlainPath(rest)) return false;
    }
    if (last !== undefined && !(last < id)) return false;
    last = id;
  }
  return true;
}
