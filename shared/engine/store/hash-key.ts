/**
 * Pack hashes as store keys. Both stores take a hash from a caller (history, a CLI argument) and turn
 * it into a file path or an object key, so both refuse anything that is not exactly
 * `sha256:<64 lowercase hex>`: a crafted "hash" such as `../../etc/passwd` never becomes part of one.
 */
import { ContextPackArtifactCorrupt, PackSchemaInvalid } from '../../core/errors.js';
import { HASH_PREFIX, sha256 } from '../hash.js';

export const HEX64 = /^[0-9a-f]{64}$/;

/** What is wrong with a would-be hash, or undefined when it is `sha256:<64 lowercase hex>`. */
export function hashProblem(hash: unknown): string | undefined {
  if (typeof hash !== 'string') return `is a ${hash === null ? 'null' : typeof hash}, not a string`;
  if (!hash.startsWith(HASH_PREFIX)) return `does not start with "${HASH_PREFIX}"`;
  const hex = hash.slice(HASH_PREFIX.length);
  if (/[^0-9a-fA-F]/.test(hex)) return `has a character after "${HASH_PREFIX}" that is not a hex digit`;
  if (hex.length !== 64) return `has ${hex.length} hex digits after "${HASH_PREFIX}", not 64`;
  if (!HEX64.test(hex)) return 'uses uppercase hex digits; hashes are lowercase';
  return undefined;
}

/** The 64-hex part of a valid hash; anything else is PackSchemaInvalid naming the problem. */
export function checkHash(hash: string): string {
  const problem = hashProblem(hash);
  if (problem !== undefined) {
    const shown = typeof hash === 'string' ? JSON.stringify(hash.length > 80 ? `${hash.slice(0, 80)}…` : hash) : String(hash);
    throw new PackSchemaInvalid(
      `pack hash ${shown} ${problem}`,
      `pass "${HASH_PREFIX}" followed by 64 lowercase hex digits, as ctxpack assemble prints it`,
      { problem },
    );
  }
  return hash.slice(HASH_PREFIX.length);
}

/** The error every store throws for an artifact that is not there. */
export function missingArtifact(hash: string): ContextPackArtifactCorrupt {
  return new ContextPackArtifactCorrupt(
    `pack ${hash} is missing from the store`,
    'regenerate the pack (ctxpack assemble, or restart the job so it reassembles); run ctxpack verify to check the others',
    { hash, reason: 'missing' },
  );
}

/** `bytes` when they hash to `hash`; otherwise the error every store throws for a damaged artifact. */
export function checkedBytes<T extends Uint8Array>(hash: string, bytes: T): T {
  const actual = sha256(bytes);
  if (actual !== hash) {
    throw new ContextPackArtifactCorrupt(
      `stored pack ${hash} is corrupt: its bytes hash to ${actual}`,
      'delete the damaged artifact and regenerate the pack (ctxpack assemble); run ctxpack verify to check the others',
      { hash, actual, reason: 'hash-mismatch' },
    );
  }
  return bytes;
}
