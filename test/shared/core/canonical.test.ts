import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { describe, expect, it } from 'vitest';
import { canonicalJson, referenceCanonicalJson } from '../../../shared/core/canonical.js';
import { PackSchemaInvalid } from '../../../shared/core/errors.js';
import { hashCanonical, sha256Hex } from '../../../shared/engine/hash.js';

const vectors = new URL('../../fixtures/jcs/', import.meta.url);

describe('canonical form (RFC 8785 / JCS)', () => {
  const names = readdirSync(new URL('input/', vectors)).filter((name) => name.endsWith('.json'));

  it('has the conformance vectors', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of names) {
    it(`passes the JCS vector ${name}`, () => {
      const input: unknown = JSON.parse(readFileSync(new URL(`input/${name}`, vectors), 'utf8'));
      const expected = readFileSync(new URL(`output/${name}`, vectors), 'utf8').replace(/\n$/, '');
      expect(canonicalJson(input)).toBe(expected);
    });
  }

  it.each([
    ['NaN', { a: Number.NaN }, '$.a'],
    ['Infinity', { a: [1, Number.POSITIVE_INFINITY] }, '$.a[1]'],
    ['undefined in an object', { a: { b: undefined } }, '$.a.b'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['a lone high surrogate', { text: 'ok\ud800' }, '$.text'],
    ['a lone low surrogate', { 'odd key': ['\udc00'] }, '$["odd key"][0]'],
    ['a Date', { when: new Date(0) }, '$.when'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a bigint', { n: 1n }, '$.n'],
  ])('rejects %s, naming the path', (_label, value, path) => {
    let error: unknown;
    try {
      canonicalJson(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PackSchemaInvalid);
    expect((error as PackSchemaInvalid).message.startsWith(`${path}:`)).toBe(true);
    expect((error as PackSchemaInvalid).fix.length).toBeGreaterThan(0);
  });

  it('keeps an own "__proto__" key as data, as JSON.parse creates it', () => {
    const value: unknown = JSON.parse('{"__proto__":[1],"a":2}');
    expect(canonicalJson(value)).toBe('{"__proto__":[1],"a":2}');
  });

  it('accepts well-formed surrogate pairs (emoji)', () => {
    expect(canonicalJson({ e: '😀' })).toBe('{"e":"😀"}');
  });

  it('is independent of key insertion order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = reverseKeys(value);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips: parsing the canonical text and canonicalising again gives the same bytes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('matches fast-json-stable-stringify for JSON values (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(stringify(value));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the reference path text on the fast path, including index-like keys, unicode keys and deep nesting (property)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '9', '007', '4294967295', '-1', '1.5', 'a', 'A', '\u00e9', '\ud83d\ude00', ''));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.string({ unit: 'grapheme' })),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(key, tie('node'), { maxKeys: 6 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(referenceCanonicalJson(v));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the reference text for arrays of repeated object shapes in any key order (property; the fast path caches shapes)', () => {
    // A small key pool makes shapes repeat within one value and across runs, in different insertion
    // orders, so cached key orders are reused; index-like and `__proto__` keys must still defer.
    const pool = ['path', 'sha256', 'bytes', 'a', 'B', '0', '10', '2', '__proto__', '\u00e9', ''];
    const shape = fc.uniqueArray(fc.constantFrom(...pool), { minLength: 0, maxLength: 6 });
    const leaf = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.boolean());
    const objectOf = (keys: string[], values: unknown[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      keys.forEach((k, i) => Object.defineProperty(out, k, { value: values[i], enumerable: true, writable: true, configurable: true }));
      return out;
    };
    const item = shape.chain((keys) =>
      fc.tuple(fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }), fc.array(leaf, { minLength: keys.length, maxLength: keys.length })),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), (items) => {
        const value = { files: items.map(([keys, values]) => objectOf(keys, values)), nested: items.map(([keys, values]) => ({ z: objectOf(keys, values), a: [objectOf(keys, values)] })) };
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 400 },
    );
  });

  it('reports invalid values with their path on either path (the fast path defers to the reference)', () => {
    for (const bad of [{ b: { a: Number.NaN } }, { '1': { x: [1, undefined] } }, { s: 'x\ud800y' }, { m: new Map() }]) {
      let fast: unknown;
      let reference: unknown;
      try {
        canonicalJson(bad);
      } catch (err) {
        fast = err;
      }
      try {
        referenceCanonicalJson(bad);
      } catch (err) {
        reference = err;
      }
      expect(fast).toBeInstanceOf(PackSchemaInvalid);
      expect((fast as Error).message).toBe((reference as Error).message);
    }
  });

  it('hashes the canonical bytes, so sha256sum of the canonical text equals the pack hash', () => {
    const value = { b: [3, 2, 1], a: 'é' };
    expect(hashCanonical(value)).toBe(`sha256:${sha256Hex(Buffer.from('{"a":"é","b":[3,2,1]}', 'utf8'))}`);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    // fromEntries defines own properties: assigning out['__proto__'] would set the prototype instead.
    return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reverseKeys(item)]));
  }
  return value;
}
