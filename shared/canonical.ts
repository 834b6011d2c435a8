/**
 * Canonical bytes of a JSON value: RFC 8785 (JSON Canonicalization Scheme).
 *
 * For JSON values, `fast-json-stable-stringify` produces exactly JCS: keys sorted by UTF-16 code units,
 * ECMAScript number formatting, minimal string escaping. What it does NOT do is refuse values JCS cannot
 * represent, so `assertCanonicalizable` walks the value first and rejects non-finite numbers,
 * `undefined`, lone surrogates, functions and non-plain objects, naming the path of the bad value.
 *
 * Pure (no Node APIs): workflow code may import it.
 */
import stringify from 'fast-json-stable-stringify';
import { PackSchemaInvalid } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  assertCanonicalizable(value);
  return stringify(value);
}

/** The canonical UTF-8 bytes of `value`; these are what a pack hash is computed over and what a store keeps. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** Throws PackSchemaInvalid, naming the path, when `value` is not a JSON value JCS can encode. */
export function assertCanonicalizable(value: unknown, path = '$'): asserts value is JsonValue {
  const fail = (problem: string, fix: string): never => {
    throw new PackSchemaInvalid(`${path}: ${problem}`, fix, { path });
  };
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${String(value)} is not a finite number`, 'use a finite number or a string');
    return;
  }
  if (typeof value === 'string') {
    const surrogate = loneSurrogateIndex(value);
    if (surrogate >= 0) {
      fail(`string has a lone UTF-16 surrogate at index ${surrogate}`, 'use well-formed Unicode text');
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      const childPath = `${path}[${index}]`;
      if (item === undefined) {
        throw new PackSchemaInvalid(`${childPath}: is undefined`, 'use null or remove the element', { path: childPath });
      }
      assertCanonicalizable(item, childPath);
    });
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail(`is a ${value.constructor?.name ?? 'non-plain'} object, not a plain JSON object`, 'convert it to plain JSON');
    }
    for (const [key, item] of Object.entries(value)) {
      const childPath = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      if (loneSurrogateIndex(key) >= 0) {
        throw new PackSchemaInvalid(`${childPath}: key has a lone UTF-16 surrogate`, 'use well-formed Unicode keys', {
          path: childPath,
        });
      }
      if (item === undefined) {
        throw new PackSchemaInvalid(`${childPath}: is undefined`, 'omit the key or use null', { path: childPath });
      }
      assertCanonicalizable(item, childPath);
    }
    return;
  }
  fail(`a ${typeof value} is not a JSON value`, 'use JSON values only (null, boolean, number, string, array, object)');
}

/** Index of the first unpaired surrogate in `text`, or -1. */
function loneSurrogateIndex(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}
