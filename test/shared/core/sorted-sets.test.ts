import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { compareCodeUnits, sortedSet, toSortedSet } from '../../../shared/core/schema/common.js';
import { Sources } from '../../../shared/core/schema/index.js';

const item = fc.record({ key: fc.string({ unit: 'grapheme' }), value: fc.integer() });
const Item = z.strictObject({ key: z.string(), value: z.number() });

describe('set-like arrays (property)', () => {
  it('sort to the same order whatever order they were built in', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), fc.nat(), (values, seed) => {
        const unique = toSortedSet(values, (v) => v.key);
        const shuffled = [...unique].sort((a, b) => ((a.value * 31 + seed) % 7) - ((b.value * 31 + seed) % 7));
        expect(toSortedSet(shuffled, (v) => v.key)).toEqual(unique);
      }),
      { numRuns: 300 },
    );
  });

  it('order keys by UTF-16 code units, as compareCodeUnits does, astral characters and lone surrogates included', () => {
    const key = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', 'é', '\uffff', '\ud83d', '\ude00', '😀', '\u0000') }));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), (keys) => {
        const expected = [...new Set(keys)].sort(compareCodeUnits);
        expect(toSortedSet(keys, (k) => k)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('always pass their own schema check, and a swapped pair never does', () => {
    const schema = sortedSet(Item, (v) => v.key, 'key');
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), (values) => {
        const sorted = toSortedSet(values, (v) => v.key);
        expect(schema.safeParse(sorted).success).toBe(true);
        if (sorted.length >= 2) {
          const swapped = [sorted[1], sorted[0], ...sorted.slice(2)];
          expect(schema.safeParse(swapped).success).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reject duplicate keys with a message naming the rule and the position, never the key (#14)', () => {
    const hash = `sha256:${'a'.repeat(64)}`;
    const result = Sources.safeParse([
      { source_id: 'file:a.txt', source_hash: hash },
      { source_id: 'file:a.txt', source_hash: hash },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/duplicate source_id \(rule duplicate\)/);
    expect(result.error?.issues[0]?.path).toEqual([1]);
    expect(result.error?.issues[0]?.message).not.toContain('a.txt');
  });
});
