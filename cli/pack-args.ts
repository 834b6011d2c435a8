/** Argument handling shared by the pack commands: stores, workspaces, and "hash or file" arguments. */
import { INPUT_LIMITS, readBoundedFile } from '../shared/engine/bounded-read.js';
import { CtxPackError, PackSchemaInvalid, PackSourceMissing } from '../shared/core/errors.js';
import { HASH_PATTERN } from '../shared/engine/hash.js';
import { loadPack, verifyPackBytes, type VerifiedPack } from '../shared/engine/pack-io.js';
import type { PackStore } from '../shared/engine/store/index.js';
import { storeFor } from './store-option.js';

export { storeFor };

/**
 * What is wrong with a would-be `sha256:` hash, or undefined when it is well-formed. Only the shape
 * is described (prefix, length, case, characters), never the value.
 */
export function hashProblem(value: string): string | undefined {
  if (HASH_PATTERN.test(value)) return undefined;
  const prefix = /^sha256:/i.exec(value);
  if (!prefix) return 'does not start with "sha256:"';
  if (prefix[0] !== 'sha256:') return 'has the prefix in upper case (write "sha256:")';
  const hex = value.slice(prefix[0].length);
  if (/^[0-9a-fA-F]*$/.test(hex) && /[A-F]/.test(hex)) return 'has upper-case hex digits (hashes are written in lower case)';
  if (!/^[0-9a-fA-F]*$/.test(hex)) return 'has characters that are not hex digits after "sha256:"';
  return `has ${hex.length} hex digits after "sha256:", not 64`;
}

/** True when `arg` was meant as a hash (it has the prefix in any case), not as a file name. */
export function looksLikeHash(arg: string): boolean {
  return /^sha256:/i.test(arg);
}

/** Refuses a malformed hash given as `option`, naming what is wrong with it. */
export function checkHashArg(value: string, option: string): void {
  const problem = hashProblem(value);
  if (problem) {
    throw new PackSchemaInvalid(`${option} ${problem} (rule hash-format)`, 'pass a hash as printed by ctxpack: "sha256:" and 64 lower-case hex digits', {
      field: option,
      rule: 'hash-format',
    });
  }
}

/**
 * A `sha256:` hash is looked up in the store; anything else is read as a pack file (bounded:
 * non-blocking, regular files only, at most the pack limit). `expect`, when given, is the hash the
 * bytes must have (checked before they are parsed).
 */
export async function loadPackArg(arg: string, store: PackStore, expect?: string): Promise<VerifiedPack> {
  if (expect !== undefined) checkHashArg(expect, '--expect');
  if (looksLikeHash(arg)) {
    checkHashArg(arg, 'the pack argument');
    if (expect !== undefined && expect !== arg) {
      throw new PackSchemaInvalid('--expect differs from the pack hash given (rule expect-mismatch)', 'pass the same hash, or a pack file with --expect', {
        rule: 'expect-mismatch',
      });
    }
    return loadPack(store, arg);
  }
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(arg, 'the pack file', INPUT_LIMITS.pack);
  } catch (err) {
    if (err instanceof CtxPackError) throw err;
    throw new PackSourceMissing(
      'the pack argument is neither a sha256:<64 hex> pack hash nor a readable file (rule not-found)',
      'pass a pack hash printed by ctxpack assemble, or the path of a pack file',
      { rule: 'not-found' },
    );
  }
  return verifyPackBytes(bytes, expect);
}
