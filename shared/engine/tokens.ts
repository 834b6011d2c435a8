/**
 * Token counting with a real tokenizer that works offline: gpt-tokenizer's `o200k_base` encoding
 * (the encoding of current OpenAI models; a reasonable, stable yardstick for other vendors too).
 * The tokenizer's id and version are recorded in every pack, because budgets depend on them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const version = (require('gpt-tokenizer/package.json') as { version: string }).version;

type CountO200k = (text: string, options: { disallowedSpecial: Set<string> }) => number;
interface O200k {
  readonly countTokens: CountO200k;
  readonly setMergeCacheSize: (size: number) => void;
}
let countO200k: CountO200k | undefined;

/**
 * Entries in gpt-tokenizer's merge cache (text chunk -> tokens) for `o200k_base`. Its default,
 * 100,000, is reached by a long-running worker: after counting 58 MB of real source text (this
 * repository's node_modules) the cache held 57 MB of live heap, and a worker's heap grows to about
 * 2.4x its live size between full collections. With 4,096 the same count kept 3 MB and ran in 6.9 s
 * instead of 11.5 s: the bigger cache was slower, not faster. Counts do not depend on the cache.
 */
export const MERGE_CACHE_ENTRIES = 4096;

/**
 * The encoding's tables take ~55-70 MB of resident memory, so they load on the first count, not on import: a
 * process that never counts (a reuse answered by the saved memo, a command that only reads packs)
 * does not pay for them.
 */
function encoder(): CountO200k {
  if (countO200k === undefined) {
    const o200k = require('gpt-tokenizer/encoding/o200k_base') as O200k;
    // The package's one o200k_base instance, so the process holds one copy of its tables even when
    // the application uses gpt-tokenizer too; only its cache size changes, never what it counts.
    o200k.setMergeCacheSize(MERGE_CACHE_ENTRIES);
    countO200k = o200k.countTokens;
  }
  return countO200k;
}

export const TOKENIZER = { id: 'gpt-tokenizer/o200k_base', version } as const;

/** Nothing is disallowed: gpt-tokenizer only reads this set, so one empty set serves every count. */
const NO_SPECIAL_TOKENS: Set<string> = new Set();

/** Counts tokens; text that looks like a special token (`<|endoftext|>`) counts as plain text, never throws. */
export function countTokens(text: string): number {
  return encoder()(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
}
