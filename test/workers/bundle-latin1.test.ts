/**
 * One-byte workflow bundles (workers/bundle-latin1.ts): the escaped code means what the original
 * means, wherever the wide character stands, and code where an escape would change something (a
 * tagged template, a wide space between tokens) is left alone. The plugin's bundle of the real
 * workflows has no character above U+00FF.
 */
import { createRequire } from 'node:module';
import vm from 'node:vm';
import fc from 'fast-check';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { latin1Escapes } from '../../workers/bundle-latin1.js';
import { contextPacksPlugin } from '../../workers/plugin.js';

const fromWorker = createRequire(createRequire(import.meta.url).resolve('@temporalio/worker'));
const acorn = createRequire(fromWorker.resolve('webpack'))('acorn') as Parameters<typeof latin1Escapes>[1];

function escaped(code: string): string | undefined {
  const escapes = latin1Escapes(code, acorn);
  if (!escapes) return undefined;
  let out = code;
  for (const { start, end, text } of [...escapes].reverse()) out = out.slice(0, start) + text + out.slice(end);
  return out;
}

const run = (code: string): unknown => vm.runInNewContext(code, {});
const wide = (code: string): boolean => /[^\u0000-\u00ff]/.test(code);

describe('one-byte bundle escapes', () => {
  it('mean the same in strings, comments, regular expressions, identifiers and untagged templates', () => {
    const code = [
      '// a dash — in a comment, and an emoji 😀',
      '/* block — comment */',
      'const 𝑥 = "a — b 😀 \u2028";',
      'const é = 1, ĳ = 2;',
      'const re = /—+|😀/, reu = /😀/u;',
      'const t = `✖ ${𝑥.length} → ${`inner … ${é + ĳ}`} end`;',
      'const o = { "—": 1, k: { n: `…` } }["—"];',
      'JSON.stringify([𝑥, t, o, re.test("——"), re.test("😀"), reu.test("😀"), "😀".match(reu)[0].length])',
    ].join('\n');
    const out = escaped(code);
    expect(out).toBeDefined();
    expect(wide(out as string)).toBe(false);
    expect(run(out as string)).toBe(run(code));
  });

  it('leave code alone where an escape would show: a tagged template, a wide space between tokens', () => {
    expect(latin1Escapes('String.raw`a — b`', acorn)).toBeUndefined();
    expect(latin1Escapes('const f = (s) => s; f`x ${1} —`', acorn)).toBeUndefined();
    expect(latin1Escapes('const a\u3000= 1;', acorn)).toBeUndefined();
    expect(latin1Escapes('const a = (', acorn)).toEqual([]); // nothing wide: nothing to do, even unparsable
    expect(latin1Escapes('const a = "— unterminated', acorn)).toBeUndefined(); // does not tokenize
  });

  it('mean the same on random text in strings, comments and untagged templates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const comment = text.replace(/[\n\r\u2028\u2029]|\*\//g, '');
        const template = text.replace(/[`\\$]/g, '').replace(/\r/g, '');
        const code = `/* ${comment} */ const s = ${JSON.stringify(text)}; JSON.stringify([s, \`<${template}>\${s.length}\`])`;
        const out = escaped(code);
        expect(out).toBeDefined();
        expect(wide(out as string)).toBe(false);
        expect(run(out as string)).toBe(run(code));
      }),
      { numRuns: 300 },
    );
  });

  it('make the plugin\'s bundle of the real workflows one-byte', async () => {
    const plugin = contextPacksPlugin({ workspaces: {} });
    const options = plugin.configureBundler({ workflowsPath: undefined as unknown as string, logger: new DefaultLogger('ERROR') });
    const { code } = await bundleWorkflowCode(options);
    expect(code.length).toBeGreaterThan(100_000);
    expect(wide(code)).toBe(false);
  }, 120_000);
});
