/**
 * Content hashes, always written `sha256:<64 lowercase hex>`.
 *
 * A pack hash is the SHA-256 of the pack's canonical bytes (`canonical.ts`), and a store keeps exactly
 * those bytes, so `sha256sum` of a stored file equals the hex part of its name. Node-only (node:crypto).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical.js';

export const HASH_PREFIX = 'sha256:';
export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** A `sha256:` followed by 64 lowercase hex digits. */
export type Sha256 = `sha256:${string}`;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `sha256:` hash of bytes or a string. */
export function sha256(data: Uint8Array | string): Sha256 {
  return `${HASH_PREFIX}${sha256Hex(data)}`;
}

/** The hash of a JSON value's canonical bytes (hashed as UTF-8 without a separate encoding pass). */
export function hashCanonical(value: unknown): Sha256 {
  return sha256(canonicalJson(value));
}

/** The 64-hex part of a `sha256:` hash. */
export function hexOf(hash: string): string {
  return hash.startsWith(HASH_PREFIX) ? hash.slice(HASH_PREFIX.length) : hash;
}

/** `sha256:1a2b3c4d…` for humans; the full hash stays available behind `--json`. */
export function shortHash(hash: string, hexDigits = 12): string {
  return `${HASH_PREFIX}${hexOf(hash).slice(0, hexDigits)}`;
}
