/**
 * The required_files fast path of the YAML reader (yaml-list.ts): whenever it answers, the answer is
 * the full parser's; parseStructured gives the same value or the same error with or without it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseStructured } from '../../../shared/engine/assemble/inputs.js';
import { parseWithPlainList } from '../../../shared/engine/assemble/yaml-list.js';

const OPTIONS = { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true };
const plainItem = fc.stringMatching(/^[a-z]{1,6}\/[a-z0-9_.-]{1,8}$/);
const item = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z]{1,6}\/[a-z0-9_.-]{1,8}$/), weight: 40 },
  { arbitrary: fc.stringMatching(/^[a-z0-9]{1,4}$/), weight: 4 },
  fc.constantFrom('true', 'null', '~', '1.5', '0x1f', '1e5', '12', 'yes', 'file.js', '.inf', '"q"', "'q'", 'a b', 'a: b', 'a #c', '- x', '&a', '*a', 'NULL', 'x\r', ''),
);
const tail = fc.constantFrom('', 'verification: {}\n', 'verification:\n  a: 1\n', '  - indented\n', '# comment\n', '- dash\n', 'required_files: []\n', '...\n', 'x: |\n  required_files:\n');
const head = fc.constantFrom('', 'schema_version: 1\n', 'a: "multi\n', 'a: [1,\n', 'x: |\n');

function fullOrError(text: string): unknown {
  try {
    return { value: parse(text, OPTIONS) as unknown };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('the plain-list fast path for required_files', () => {
  it('answers only with what the full YAML parser gives', () => {
    let taken = 0;
    // Half the lists are all plain paths, so the fast path is taken often enough to be tested.
    const list = fc.oneof(fc.array(plainItem, { minLength: 64, maxLength: 80 }), fc.array(item, { minLength: 60, maxLength: 80 }));
    fc.assert(
      fc.property(head, list, fc.constantFrom('  ', '', '    '), tail, (before, items, indent, after) => {
        const text = `${before}required_files:\n${items.map((i) => `${indent}- ${i}\n`).join('')}${after}`;
        const fast = parseWithPlainList(text, 'required_files', OPTIONS);
        if (fast !== undefined) {
          taken += 1;
          expect({ value: fast }).toEqual(fullOrError(text));
        }
        let viaInputs: unknown;
        try {
          viaInputs = { value: parseStructured(text, 'w.yaml', 'required_files') };
        } catch (err) {
          viaInputs = { error: (err as Error).message };
        }
        let plain: unknown;
        try {
          plain = { value: parseStructured(text, 'w.yaml') };
        } catch (err) {
          plain = { error: (err as Error).message };
        }
        expect(viaInputs).toEqual(plain);
      }),
      { numRuns: 400 },
    );
    expect(taken).toBeGreaterThan(0);
  });

  it('takes a long list of plain paths', () => {
    const items = Array.from({ length: 100 }, (_, i) => `src/m${i}.js`);
    const text = `schema_version: 1\nrequired_files:\n${items.map((i) => `  - ${i}\n`).join('')}verification: {}\n`;
    expect(parseWithPlainList(text, 'required_files', OPTIONS)).toEqual({ schema_version: 1, required_files: items, verification: {} });
  });
});
