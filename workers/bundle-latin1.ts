/**
 * One-byte workflow bundles. V8 stores a string with even one character above U+00FF as two bytes per
 * character, and the SDK holds the bundle's code (3.3 M characters with its inline source map) in the
 * worker's main thread and again in its workflow thread. The governed job's bundle has 55 such
 * characters (dashes, an ellipsis and zod's "✖" and "→"), which doubled every copy; escaped, the
 * 100-job worker of the scale bench peaked 30-40 MB lower (bench/README.md).
 *
 * Each such character becomes an escape that means the same character where it stands: in comments,
 * string and regular-expression literals, identifiers and the text of an untagged template literal
 * (whose raw text nobody sees). A tagged template's raw text is observable (`String.raw`), so an
 * asset with such a character there is left as it was, as is one that does not tokenize or has one
 * outside every token and comment (a wide space: escaping it would change the syntax). The asset is
 * tokenized with acorn, webpack's own parser. Replacements go through webpack's ReplaceSource before
 * the source map is made, so the map stays exact. What still shows the escape instead of the
 * character: a function's `toString()` and a regular expression's `source` (which, used in another
 * pattern, means the same character).
 */
import { createRequire } from 'node:module';
import { withWebpackPlugin, type Compiler, type WebpackConfigHook } from './webpack-shapes.js';

interface TokenType {
  readonly label: string;
  /** acorn: an expression may start after this token (an operator, `(`, `,`, `return`...). */
  readonly beforeExpr: boolean;
}
interface Token {
  readonly type: TokenType;
  readonly start: number;
  readonly end: number;
}
interface Acorn {
  tokenizer(
    input: string,
    options: { ecmaVersion: 'latest'; sourceType: 'script'; allowHashBang: boolean; onComment: (block: boolean, text: string, start: number, end: number) => void },
  ): Iterable<Token>;
}

/** A replacement: the units at `[start, end)` become `text`. */
export interface Escape {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Units that make a string two-byte: UTF-16 code units above U+00FF (a surrogate pair is two). */
const WIDE = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\u0100-\uffff]/g;

/** `\\uXXXX` for each UTF-16 unit of `text` (split('') splits into units, not code points). */
const unitEscapes = (text: string): string => text.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

/** One template literal being read: tagged or not, and whether the tokenizer is in its text or in a `${}`. */
interface TemplateFrame {
  readonly tagged: boolean;
  inText: boolean;
  braces: number;
}

/**
 * The escapes that make `code` one-byte, or undefined when it must stay as it is: a wide character
 * in a tagged template's text (its raw text is observable), outside every token and comment (a
 * wide space or line separator: escaping it would change the syntax), or code that does not
 * tokenize. In identifiers an astral character becomes `\u{...}`; elsewhere each unit becomes
 * `\uXXXX` (a regular expression without the `u` flag reads a pair of them as the same two units).
 */
export function latin1Escapes(code: string, acorn: Acorn): Escape[] | undefined {
  const wide: { start: number; end: number }[] = [];
  for (const match of code.matchAll(WIDE)) wide.push({ start: match.index, end: match.index + match[0].length });
  if (wide.length === 0) return [];
  const comments: [number, number][] = [];
  // Wide units and comments both come in source order: one pointer into the comments serves them all.
  let comment = 0;
  const inComment = (w: { start: number; end: number }): boolean => {
    while (comment < comments.length && (comments[comment] as [number, number])[1] < w.end) comment += 1;
    const c = comments[comment];
    return c !== undefined && c[0] <= w.start;
  };
  const escapes: Escape[] = [];
  let next = 0;
  const frames: TemplateFrame[] = [];
  let previous: Token | undefined;
  try {
    const tokens = acorn.tokenizer(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, onComment: (_block, _text, start, end) => comments.push([start, end]) });
    for (const token of tokens) {
      // Wide units before this token lie between tokens: only comments may hold them.
      for (; next < wide.length && (wide[next] as { start: number }).start < token.start; next += 1) {
        const w = wide[next] as { start: number; end: number };
        if (!inComment(w)) return undefined;
        escapes.push({ ...w, text: unitEscapes(code.slice(w.start, w.end)) });
      }
      const top = frames[frames.length - 1];
      const label = token.type.label;
      if (label === '`') {
        if (top?.inText) frames.pop();
        else frames.push({ tagged: previous !== undefined && !previous.type.beforeExpr, inText: true, braces: 0 });
      } else if (label === '${' && top) {
        top.inText = false;
        top.braces = 0;
      } else if (label === '{' && top && !top.inText) {
        top.braces += 1;
      } else if (label === '}' && top && !top.inText) {
        if (top.braces === 0) top.inText = true;
        else top.braces -= 1;
      }
      for (; next < wide.length && (wide[next] as { start: number }).start < token.end; next += 1) {
        const w = wide[next] as { start: number; end: number };
        const text = code.slice(w.start, w.end);
        if ((label === 'template' || label === 'invalidTemplate') && top?.tagged) return undefined;
        escapes.push({ ...w, text: (label === 'name' || label === 'privateId') && text.length === 2 ? `\\u{${(text.codePointAt(0) as number).toString(16)}}` : unitEscapes(text) });
      }
      previous = token;
    }
  } catch {
    return undefined;
  }
  // After the last token: comments only.
  for (; next < wide.length; next += 1) {
    const w = wide[next] as { start: number; end: number };
    if (!inComment(w)) return undefined;
    escapes.push({ ...w, text: unitEscapes(code.slice(w.start, w.end)) });
  }
  return escapes;
}

const NAME = 'context-packs-latin1-output';

class Latin1Output {
  apply(compiler: Compiler): void {
    // acorn is webpack's own dependency: resolved from webpack, never a dependency of ours. Where it
    // cannot be found (an unusual install), the bundle is left two-byte: memory, never correctness.
    let acorn: Acorn;
    try {
      acorn = createRequire(sdkWebpack())('acorn') as Acorn;
    } catch {
      return;
    }
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      compilation.hooks.processAssets.tap({ name: NAME, stage: Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE }, (assets) => {
        for (const name of Object.keys(assets)) {
          if (!name.endsWith('.js')) continue;
          const asset = compilation.getAsset(name);
          const code = asset?.source.source();
          if (typeof code !== 'string') continue;
          const escapes = latin1Escapes(code, acorn);
          if (!asset || !escapes || escapes.length === 0) continue;
          const replaced = new sources.ReplaceSource(asset.source);
          // ReplaceSource's end is inclusive.
          for (const { start, end, text } of escapes) replaced.replace(start, end - 1, text);
          compilation.updateAsset(name, replaced);
        }
      });
    });
  }
}

/** The webpack the SDK's bundler loads (the one next to `@temporalio/worker`). */
function sdkWebpack(): string {
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve('@temporalio/worker')).resolve('webpack');
}

/** A webpack hook that adds the one-byte output, then runs the user's own hook (if any) on the result. */
export function withLatin1Output(userHook: WebpackConfigHook | undefined): WebpackConfigHook {
  return withWebpackPlugin(new Latin1Output(), userHook);
}
