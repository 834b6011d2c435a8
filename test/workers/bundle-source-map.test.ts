/**
 * The leaner inline source map of the plugin's bundles (workers/bundle-source-map.ts): only the text
 * of sources under node_modules goes; mappings, names and the user's sources stay as they were, and
 * a map it cannot read is left alone.
 */
import { readFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { leanInlineSourceMap } from '../../workers/bundle-source-map.js';
import { contextPacksPlugin } from '../../workers/plugin.js';

const PREFIX = '\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
const withMap = (code: string, map: unknown): string => `${code}${PREFIX}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
function mapOf(code: string): Record<string, unknown> {
  const at = code.lastIndexOf('base64,');
  return JSON.parse(Buffer.from(code.slice(at + 'base64,'.length).trim(), 'base64').toString('utf8')) as Record<string, unknown>;
}

describe('leanInlineSourceMap', () => {
  const map = {
    version: 3,
    file: 'workflow-bundle.js',
    mappings: 'AAAA;AACA,CAAC',
    sources: ['/srv/app/node_modules/zod/index.ts', '/srv/app/src/workflows.ts', 'C:\\u\\app\\node_modules\\@temporalio\\workflow\\src\\a.ts', '/srv/app/src/node_modules_notes.ts'],
    sourcesContent: ['export const z = 1;', 'export async function job() {}', 'export function sleep() {}', 'const n = "— wide";'],
    names: ['z', 'job'],
    sourceRoot: '',
  };

  it('drops the text of the sources under node_modules and keeps everything else', () => {
    const code = 'var __TEMPORAL__ = 1;';
    const out = leanInlineSourceMap(withMap(code, map));
    expect(out.startsWith(`${code}${PREFIX}`)).toBe(true);
    const lean = mapOf(out);
    expect(lean['sourcesContent']).toEqual([null, 'export async function job() {}', null, 'const n = "— wide";']);
    expect({ ...lean, sourcesContent: undefined }).toEqual({ ...map, sourcesContent: undefined });
  });

  it('leaves code without an inline map, with a map it cannot read, or with nothing to drop as it was', () => {
    expect(leanInlineSourceMap('var a = 1;')).toBe('var a = 1;');
    const unreadable = `var a = 1;${PREFIX}bm90IGpzb24=\n`; // "not json"
    expect(leanInlineSourceMap(unreadable)).toBe(unreadable);
    const mismatched = withMap('var a;', { ...map, sourcesContent: ['only one'] });
    expect(leanInlineSourceMap(mismatched)).toBe(mismatched);
    const noContent = withMap('var a;', { ...map, sourcesContent: undefined });
    expect(leanInlineSourceMap(noContent)).toBe(noContent);
    const ownOnly = withMap('var a;', { ...map, sources: ['/app/src/a.ts', '/app/src/b.ts', '/app/c.ts', '/app/d.ts'] });
    expect(leanInlineSourceMap(ownOnly)).toBe(ownOnly);
    // A map comment that is not the last thing in the code is not the bundle's inline map.
    const notLast = `${withMap('var a;', map)}var b = 2;\n`;
    expect(leanInlineSourceMap(notLast)).toBe(notLast);
  });

  it('keeps the text of the workflow sources in the plugin\'s bundle, and none of the libraries\'', async () => {
    const plugin = contextPacksPlugin({ workspaces: {} });
    const { code } = await bundleWorkflowCode(plugin.configureBundler({ workflowsPath: undefined as unknown as string, logger: new DefaultLogger('ERROR') }));
    const lean = mapOf(code) as { sources: string[]; sourcesContent: (string | null)[]; mappings: string };
    const own = lean.sources.map((source, i) => [source, lean.sourcesContent[i]] as const).filter(([source]) => !/[\\/]node_modules[\\/]/.test(source));
    const library = lean.sourcesContent.filter((_, i) => /[\\/]node_modules[\\/]/.test(lean.sources[i] as string));
    expect(library.length).toBeGreaterThan(50);
    expect(library.every((content) => content === null)).toBe(true);
    const governed = own.find(([source]) => source.endsWith('workflows/governed-job.ts'));
    expect(governed?.[1]).toBe(readFileSync(governed?.[0] as string, 'utf8'));
    expect(own.every(([, content]) => typeof content === 'string' && content.length > 0)).toBe(true);
    expect(lean.mappings.length).toBeGreaterThan(100_000);
  }, 120_000);
});
