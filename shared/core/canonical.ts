/**
 * Canonical bytes of a JSON value: RFC 8785 (JSON Canonicalization Scheme).
 *
 * The reference path: for JSON values, `fast-json-stable-stringify` produces exactly JCS (keys sorted
 * by UTF-16 code units, ECMAScript number formatting, minimal string escaping). What it does NOT do is
 * refuse values JCS cannot represent, so `assertCanonicalizable` walks the value first and rejects
 * non-finite numbers, `undefined`, lone surrogates, functions and non-plain objects, naming the path.
 *
 * The fast path, used whenever it applies, gives the same text at about a third of the cost (packs
 * are hashed on every assembly and load): one walk checks the value and copies it with its keys
 * inserted in sorted order, and the engine's own `JSON.stringify` writes the copy, since for such a
 * copy its output is JCS: same number formatting, same escaping, keys in insertion order. It applies
 * unless an object has an array-index-like key ("0", "42": engines list those first, in numeric
 * order) or a `__proto__` key, and unless the value is invalid; then the reference path runs, and
 * reports the problem with its path. Tests hold both paths to the RFC 8785 vectors and to each other.
 *
 * Pure (no Node APIs): workflow code may import it.
 */
import stringify from 'fast-json-stable-stringify';
import { PackSchemaInvalid } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The RFC 8785 canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  const copy = sortedCopy(value);
  if (copy !== NOT_FAST) return JSON.stringify(copy);
  return referenceCanonicalJson(value);
}

/** The reference implementation (check, then `fast-json-stable-stringify`); same output, slower. */
export function referenceCanonicalJson(value: unknown): string {
  assertCanonicalizable(value);
  return stringify(value);
}

const NOT_FAST: unique symbol = Symbol('not-fast');
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;
interface WellFormedString {
  isWellFormed(): boolean;
}
/** Node 20+ has String.prototype.isWellFormed (native); older engines take the loop below. */
const NATIVE_WELL_FORMED = typeof (String.prototype as Partial<WellFormedString>).isWellFormed === 'function';

function wellFormed(text: string): boolean {
  return NATIVE_WELL_FORMED ? (text as unknown as WellFormedString).isWellFormed() : loneSurrogateIndex(text) < 0;
}

/**
 * A copy of `value` with every object's keys inserted in sorted (UTF-16 code unit) order, or NOT_FAST
 * when the value is invalid or has a key JSON.stringify would not keep in insertion order.
 */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return wellFormed(value) ? value : NOT_FAST;
    case 'number':
      return Number.isFinite(value) ? value : NOT_FAST;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        // Copied only from the first element that changes: a sorted subtree is used as it is.
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          if (item === undefined) return NOT_FAST;
          const copy = sortedCopy(item);
          if (copy === NOT_FAST) return NOT_FAST;
          if (out) out.push(copy);
          else if (copy !== item) {
            out = value.slice(0, i);
            out.push(copy);
          }
        }
        return out ?? value;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_FAST;
      const source = value as Record<string, unknown>;
      const keys = Object.keys(source);
      const order = sortedKeys(keys);
      if (order === undefined) return NOT_FAST;
      if (order !== keys) {
        // Out of order (a zod parse gives schema order): the copy is built in sorted order directly.
        const out: Record<string, unknown> = {};
        for (let i = 0; i < order.length; i += 1) {
          const key = order[i] as string;
          const item = source[key];
          if (item === undefined) return NOT_FAST;
          const copy = sortedCopy(item);
          if (copy === NOT_FAST) return NOT_FAST;
          out[key] = copy;
        }
        return out;
      }
      // In order: copies are kept only from the first child that changed, so an in-order object whose
      // children all come back as they were is used as it is, with nothing allocated but its key list.
      let copies: unknown[] | undefined;
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        const item = source[key];
        if (item === undefined) return NOT_FAST;
        const copy = sortedCopy(item);
        if (copy === NOT_FAST) return NOT_FAST;
        if (copies) copies.push(copy);
        else if (copy !== item) {
          copies = [];
          for (let j = 0; j < i; j += 1) copies.push(source[keys[j] as string]);
          copies.push(copy);
        }
      }
      if (!copies) return value;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i += 1) out[keys[i] as string] = copies[i];
      return out;
    }
    default:
      return NOT_FAST;
  }
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

/**
 * Key lists seen recently, with their sorted order: a pack's arrays hold thousands of objects of a
 * few shapes, so sorting and checking each shape's keys once, then comparing key lists element by
 * element (engine-interned strings), is most of the fast path's saving. The cache holds only key
 * names already checked, never values, so what it returns cannot depend on which value came first.
 */
const SHAPES_KEPT = 8;
const SHAPE_KEYS_MAX = 64;
const shapeKeys: (readonly string[])[] = [];
const shapeOrder: (readonly string[])[] = [];
let shapeNext = 0;

/**
 * `keys` in UTF-16 code unit order (the same array when already in order), or undefined when a key
 * rules the fast path out: array-index-like ("0", "42": engines write those first, in numeric
 * order), `__proto__`, or not well-formed.
 */
function sortedKeys(keys: readonly string[]): readonly string[] | undefined {
  for (let s = 0; s < shapeKeys.length; s += 1) {
    const seen = shapeKeys[s] as readonly string[];
    if (seen.length !== keys.length) continue;
    let same = true;
    for (let i = 0; i < keys.length; i += 1) {
      if (seen[i] !== keys[i]) {
        same = false;
        break;
      }
    }
    if (same) return seen === shapeOrder[s] ? keys : shapeOrder[s];
  }
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57 && INDEX_LIKE.test(key)) || key === '__proto__' || !wellFormed(key)) return undefined;
  }
  const order = isSorted(keys) ? keys : [...keys].sort();
  // Large key lists (maps keyed by path) are rarely repeated; keeping them would only hold memory.
  if (keys.length > SHAPE_KEYS_MAX) return order;
  shapeKeys[shapeNext] = keys;
  shapeOrder[shapeNext] = order;
  shapeNext = (shapeNext + 1) % SHAPES_KEPT;
  return order;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i += 1) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
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
