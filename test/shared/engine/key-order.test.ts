/**
 * The saved memo keeps a pack's canonical bytes and its key order (key-order.ts), not a second copy
 * of the object: parsing the canonical bytes and putting the keys back must give the object as built,
 * byte for byte under JSON.stringify, for any JSON value in any key order, and a damaged order must
 * be refused, never applied.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/core/canonical.js';
import { isKeyOrder, keyOrderOf, withKeyOrder } from '../../../shared/engine/assemble/key-order.js';

/** JSON values whose objects have keys in random insertion orders, index-like and "__proto__" ones included. */
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '7', '10', '01', '__proto__', 'a', 'b', 'z'));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 6 }).map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }),
})).value;

/** What a reused memo gives: the canonical text parsed, keys put back in the recorded order. */
const roundTrip = (value: unknown) => withKeyOrder(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(keyOrderOf(value))));

describe('key order', () => {
  it('gives back the object as built, for any JSON value in any key order', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.stringify(roundTrip(value))).toBe(JSON.stringify(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('records nothing for sorted objects, and a pack-like value as a small order', () => {
    expect(keyOrderOf({ a: 1, b: [{ c: 2, d: 3 }], e: 'x' })).toBe(0);
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ bytes: i, path: `src/${i}.js`, sha256: 'sha256:x' }));
    const pack = { kind: 'WorkUnitContextPack', schema_version: 1, required_files: entries, budgets: { tokenizer: { name: 't', version: '1' }, payload_tokens: { limit: 5, used: 2 } } };
    const order = JSON.stringify(keyOrderOf(pack));
    expect(order.length).toBeLessThan(300);
    expect(JSON.stringify(roundTrip(pack))).toBe(JSON.stringify(pack));
  });

  it('keeps "__proto__" a key, never a prototype', () => {
    const value = JSON.parse('{"z":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['z', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an order that does not fit the value, and malformed orders', () => {
    expect(() => withKeyOrder({ a: 1, b: 2 }, { keys: ['b', 'c'], values: [0, 0] })).toThrow();
    expect(() => withKeyOrder({ a: 1 }, { keys: ['a', 'b'], values: [0, 0] })).toThrow();
    expect(() => withKeyOrder([1, 2], { items: [0] })).toThrow();
    expect(() => withKeyOrder('x', { keys: [], values: [] })).toThrow();
    for (const raw of [null, 1, 'x', [], {}, { keys: ['a'], values: [] }, { keys: ['a', 'a'], values: [0, 0] }, { keys: [1], values: [0] }, { items: [2] }, { items: [0], extra: 1 }]) {
      expect(isKeyOrder(raw), JSON.stringify(raw)).toBe(false);
    }
    expect(isKeyOrder({ keys: ['b', 'a'], values: [0, { items: [0, { keys: ['y', 'x'], values: [0, 0] }] }] })).toBe(true);
  });
});
