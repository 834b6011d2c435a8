/**
 * A leaner inline source map in the plugin's workflow bundles: the map keeps every mapping and every
 * source name, and drops the embedded text (`sourcesContent`) of sources under `node_modules`
 * (the SDK's, zod's and this library's own code as installed), keeping it for the user's sources.
 *
 * Why: the SDK keeps the bundle with its inline map (base64 in the code string) and the parsed map
 * in the worker's main thread, and again in each workflow thread. For the governed job the map was
 * 2.07 M of the bundle's 3.29 M characters, 0.95 M of its 1.55 MB of JSON being library sources.
 * Nothing in the worker needs them: stack traces are mapped from the mappings alone, and the only
 * reader of `sourcesContent` is the enhanced stack trace query with the worker option
 * `showStackTraceSources`, which shows the text of the files in a stack and skips a file without it
 * (the user's workflow files keep theirs).
 *
 * Node-only (bundling). Not for workflow code.
 */
import { withWebpackPlugin, type Compiler, type WebpackConfigHook } from './webpack-shapes.js';

const NAME = 'context-packs-lean-source-map';
const INLINE_MAP = /\n\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

interface SourceMapJson {
  readonly sources?: unknown;
  sourcesContent?: unknown;
}

/**
 * `code` with its inline source map's `sourcesContent` set to null for the sources under
 * `node_modules`; the same string when it has no inline map, or one this cannot read (a map is then
 * never made wrong, only left as it was).
 */
export function leanInlineSourceMap(code: string): string {
  const found = INLINE_MAP.exec(code);
  if (!found) return code;
  let map: SourceMapJson;
  try {
    map = JSON.parse(Buffer.from(found[1] as string, 'base64').toString('utf8')) as SourceMapJson;
  } catch {
    return code;
  }
  const { sources, sourcesContent } = map;
  if (!Array.isArray(sources) || !Array.isArray(sourcesContent) || sources.length !== sourcesContent.length) return code;
  let dropped = 0;
  map.sourcesContent = sourcesContent.map((content: unknown, i) => {
    const source = sources[i];
    if (typeof source !== 'string' || !IN_NODE_MODULES.test(source) || content === null) return content;
    dropped += 1;
    return null;
  });
  if (dropped === 0) return code;
  const encoded = Buffer.from(JSON.stringify(map), 'utf8').toString('base64');
  return `${code.slice(0, found.index)}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${encoded}\n`;
}

class LeanSourceMap {
  apply(compiler: Compiler): void {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      // After the dev-tooling stage, where webpack appends the inline map.
      compilation.hooks.processAssets.tap({ name: NAME, stage: Compilation.PROCESS_ASSETS_STAGE_DEV_TOOLING + 1 }, (assets) => {
        for (const name of Object.keys(assets)) {
          if (!name.endsWith('.js')) continue;
          const code = compilation.getAsset(name)?.source.source();
          if (typeof code !== 'string') continue;
          const lean = leanInlineSourceMap(code);
          if (lean !== code) compilation.updateAsset(name, new sources.RawSource(lean));
        }
      });
    });
  }
}

/** A webpack hook that adds the leaner source map, then runs `next` (if any) on the result. */
export function withLeanSourceMap(next: WebpackConfigHook | undefined): WebpackConfigHook {
  return withWebpackPlugin(new LeanSourceMap(), next);
}
