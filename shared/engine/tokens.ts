/**
 * Token counting with a real tokenizer that works offline: gpt-tokenizer's `o200k_base` encoding
 * (the encoding of current OpenAI models; a reasonable, stable yardstick for other vendors too).
 * The tokenizer's id and version are recorded in every pack, because budgets depend on them.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readShippedRanks, type Ranks } from './tokenizer-ranks.js';

const require = createRequire(import.meta.url);
const version = (require('gpt-tokenizer/package.json') as { version: string }).version;

type CountO200k = (text: string, options: { disallowedSpecial: Set<string> }) => number;
interface O200k {
  readonly countTokens: CountO200k;
  readonly setMergeCacheSize: (size: number) => void;
}
interface GptEncodingClass {
  getEncodingApi(name: 'o200k_base', ranks: () => Ranks): O200k;
}
let o200k: O200k | undefined;

/**
 * Entries in gpt-tokenizer's merge cache (text chunk -> tokens) for `o200k_base`. Its default,
 * 100,000, is reached by a long-running worker: after counting 58 MB of real source text (this
 * repository's node_modules) the cache held 57 MB of live heap, and a worker's heap grows to about
 * 2.4x its live size between full collections. With 4,096 the same count kept 3 MB and ran in 6.9 s
 * instead of 11.5 s: the bigger cache was slower, not faster. Counts do not depend on the cache.
 */
export const MERGE_CACHE_ENTRIES = 4096;

/**
 * The encoding's tables take ~40-55 MB of resident memory while they load (18 MB of live heap
 * after), so they load on the first count, not on import: a process that never counts (a reuse
 * answered by the saved memo, a command that only reads packs) does not pay for them. They are read
 * from the vocabulary file gpt-tokenizer ships (tokenizer-ranks.ts: ~15 MB less resident memory than
 * its generated module), into an encoder of this library's own; only when that file cannot be read
 * is the package's module loaded, the same vocabulary. Either way only the cache size differs from
 * gpt-tokenizer's own `o200k_base`, never what it counts.
 */
function encoding(): O200k {
  if (o200k === undefined) {
    const ranks = readShippedRanks();
    const api = ranks
      ? (require('gpt-tokenizer/GptEncoding') as { GptEncoding: GptEncodingClass }).GptEncoding.getEncodingApi('o200k_base', () => ranks)
      : (require('gpt-tokenizer/encoding/o200k_base') as O200k);
    api.setMergeCacheSize(MERGE_CACHE_ENTRIES);
    o200k = api;
  }
  return o200k;
}

export const TOKENIZER = { id: 'gpt-tokenizer/o200k_base', version } as const;

/** Nothing is disallowed: gpt-tokenizer only reads this set, so one empty set serves every count. */
const NO_SPECIAL_TOKENS: Set<string> = new Set();

/**
 * Counts of long texts already counted, by the text's sha256: a worker counts the same rendered
 * packs again and again (every model call of every job on the same packs, a swap that reuses them),
 * and hashing 50 kB takes ~0.1 ms where counting it takes milliseconds and allocates a string per
 * chunk. Keyed by the hash, so no text is kept; bounded, least recently used first out. A count
 * depends on the text alone, so a remembered one is exactly what counting again would give.
 */
const COUNT_CACHE_ENTRIES = 1024;
/** Below this many characters a count is cheaper than the hash. */
export const COUNT_CACHE_MIN_CHARS = 2048;
const counted = new Map<string, number>();

function countUncached(text: string): number {
  return encoding().countTokens(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
}

/** Counts tokens; text that looks like a special token (`<|endoftext|>`) counts as plain text, never throws. */
export function countTokens(text: string): number {
  if (text.length < COUNT_CACHE_MIN_CHARS) return countUncached(text);
  // UTF-16 code units, not UTF-8: lossless for every string (UTF-8 would turn each lone surrogate
  // into U+FFFD, so two different texts could share a key).
  const key = createHash('sha256').update(text, 'utf16le').digest('base64');
  const known = counted.get(key);
  if (known !== undefined) {
    counted.delete(key);
    counted.set(key, known);
    return known;
  }
  const count = countUncached(text);
  if (counted.size >= COUNT_CACHE_ENTRIES) counted.delete(counted.keys().next().value as string);
  counted.set(key, count);
  return count;
}

/**
 * Forgets every remembered count (benchmarks: a cold assembly or a trim timed as a new process would
 * run it). Counts never change by it, only how long the next ones take.
 */
export function forgetCounts(): void {
  counted.clear();
}

/** Texts whose count is remembered now (diagnostics and tests; at most 1,024). */
export function countCacheEntries(): number {
  return counted.size;
}

/** Entries in this process's merge cache now (diagnostics and tests; at most MERGE_CACHE_ENTRIES). */
export function mergeCacheEntries(): number {
  const core = (encoding() as unknown as { bytePairEncodingCoreProcessor?: { mergeCache?: Map<string, unknown> } }).bytePairEncodingCoreProcessor;
  return core?.mergeCache?.size ?? 0;
}
