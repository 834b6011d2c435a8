/**
 * A fast path for the one long list in a work unit: `required_files`, up to 10,000 lines of
 * `  - src/x.js`. The `yaml` package builds a node per item, with its range and comments, before
 * making JavaScript of them; for a list of plain paths that is most of a work unit's parse time.
 *
 * Here such a list is read with one regex per line, and the rest of the document goes through the
 * `yaml` package with the list written as `[]`. The fast path is taken only when it is certainly the
 * same as parsing the whole text; in any doubt the whole text is parsed as before (so results and
 * errors are exactly the full parser's):
 *
 * - the key occurs once in the text, at the start of a line, with nothing after its colon;
 * - every item is `<indent>- <plain>` on its own line (LF, no trailing space), `<plain>` from
 *   `[A-Za-z0-9_./-]`, starting with a letter, digit or `_`, and not a YAML 1.2 core-schema null,
 *   boolean or number (so the full parser would give the same string);
 * - the list ends at the end of the text or at a line starting a new top-level key;
 * - the rest parses with no error and no warning, and its top-level key at that offset is the one
 *   written (so the list was not inside a quoted string or a block scalar), holding `[]`.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

const ITEM = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
// YAML 1.2 core schema: what a plain scalar without `/` could resolve to instead of a string.
const NOT_A_STRING = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;
/** Shorter lists are not worth the detour. */
const MIN_ITEMS = 64;

export interface YamlOptions {
  readonly uniqueKeys: boolean;
  readonly maxAliasCount: number;
  readonly prettyErrors: boolean;
}

/**
 * The document with top-level `key`'s plain list read directly, or undefined when the fast path does
 * not certainly apply (the caller then parses the whole text).
 */
export function parseWithPlainList(text: string, key: string, options: YamlOptions): unknown {
  try {
    return plainListOrUndefined(text, key, options);
  } catch {
    // Anything thrown on the shortened text (its line numbers are not the file's): the full parse decides.
    return undefined;
  }
}

function plainListOrUndefined(text: string, key: string, options: YamlOptions): unknown {
  const marker = `${key}:\n`;
  const at = text.startsWith(marker) ? 0 : text.indexOf(`\n${marker}`) + 1;
  if (at < 0 || (at === 0 && !text.startsWith(marker))) return undefined;
  if (text.indexOf(key) !== at || text.indexOf(key, at + 1) !== -1) return undefined;
  const listStart = at + marker.length;
  const dash = text.indexOf('- ', listStart);
  if (dash < 0 || !/^ *$/.test(text.slice(listStart, dash))) return undefined;
  const prefix = `${text.slice(listStart, dash)}- `;
  const items: string[] = [];
  let pos = listStart;
  while (pos < text.length && text.startsWith(prefix, pos)) {
    const eol = text.indexOf('\n', pos);
    const lineEnd = eol < 0 ? text.length : eol;
    const item = text.slice(pos + prefix.length, lineEnd);
    if (!ITEM.test(item) || (!item.includes('/') && NOT_A_STRING.test(item))) return undefined;
    items.push(item);
    pos = eol < 0 ? text.length : eol + 1;
  }
  if (items.length < MIN_ITEMS) return undefined;
  // The list must end where a new top-level key (or the text) does.
  if (pos < text.length && !/^[A-Za-z_]/.test(text.charAt(pos))) return undefined;
  const rest = `${text.slice(0, at)}${key}: []\n${text.slice(pos)}`;
  const doc = parseDocument(rest, options);
  if (doc.errors.length > 0 || doc.warnings.length > 0 || !isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair || !isScalar(pair.key) || pair.key.range?.[0] !== at || !isSeq(pair.value) || pair.value.items.length !== 0) return undefined;
  const value: unknown = doc.toJS({ maxAliasCount: options.maxAliasCount });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const list = record[key];
  if (!Array.isArray(list) || list.length !== 0) return undefined;
  record[key] = items;
  return record;
}
