/**
 * Target `trim-scale` (#14): trimming a payload to its token budget scales (linear or n log n).
 * 10,000 items must trim in at most 12x the time of 1,000 items measured in the same run (linear
 * would be 10x), and in under a second. The items are what assembly hands the trimmer: merged,
 * sanitized, ranked; the budget is the default 3,000 tokens, so almost everything is cut.
 */
import { sha256Hex } from '../../shared/engine/hash.js';
import { trimToBudget, type MergedItem } from '../../shared/engine/assemble/trim.js';
import { forgetCounts } from '../../shared/engine/tokens.js';
import { brand } from '../../shared/core/text/brand.js';
import { median, round } from '../support/stats.js';
import type { BenchTarget } from './types.js';

const TARGET_RATIO = 12;
const TARGET_MS = 1000;
const BUDGET = 3000;

const WORDS = ['config', 'port', 'parser', 'rejects', 'unknown', 'keys', 'default', 'value', 'error', 'names', 'field', 'never', 'echoes', 'the'];

/** `n` distinct items of mixed kinds, each a sentence of 8 to 20 words, ranked in authored order. */
export function trimItems(n: number): MergedItem[] {
  const items: MergedItem[] = [];
  for (let i = 0; i < n; i += 1) {
    const kind = i % 3 === 0 ? 'fact' : i % 3 === 1 ? 'loop' : 'constraint';
    const words = Array.from({ length: 8 + (i % 13) }, (_, w) => WORDS[(i * 7 + w * 3) % WORDS.length]);
    const text = `${words.join(' ')} (${i})`;
    items.push({
      id: `${kind}-${sha256Hex(`${kind}\u0000${text}`).slice(0, 16)}`,
      kind,
      text: brand(text),
      refs: [{ source_id: 'context:docs/notes/big.md', line: i + 1 }],
      strength: kind === 'constraint' && i % 2 === 0 ? 'hard' : 'soft',
      localOnly: false,
      rank: i,
    });
  }
  // A handful of hard constraints (never cut), as a real payload has: they must fit on their own.
  return items.map((item, i) => (item.kind === 'constraint' && i >= 60 ? { ...item, strength: 'soft' as const } : item));
}

function timeTrim(items: readonly MergedItem[]): { ms: number; kept: number } {
  // Each trim counts as the first one on these items would: the counts of the payloads an earlier
  // repeat measured are not remembered (tokens.ts keeps the counts of long texts).
  forgetCounts();
  const started = performance.now();
  const { payload } = trimToBudget(brand('Synopsis.'), items, [], ['context:docs/notes/big.md'], [], BUDGET);
  return { ms: performance.now() - started, kept: payload.facts.length + payload.constraints.length + payload.open_loops.length };
}

export const trimScale: BenchTarget = {
  id: 'trim-scale',
  title: 'Trim 10,000 payload items vs 1,000',
  results: ['trim-scale'],
  async run(ctx) {
    const small = trimItems(1_000);
    const large = trimItems(10_000);
    timeTrim(small); // warm-up: JIT and the tokenizer's tables
    const repeats = ctx.repeats('slow');
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    let kept = 0;
    for (let i = 0; i < repeats; i += 1) {
      smallMs.push(timeTrim(small).ms);
      const run = timeTrim(large);
      largeMs.push(run.ms);
      kept = run.kept;
    }
    const ratio = median(largeMs) / median(smallMs);
    ctx.log(`trim-scale: 1,000 items ${round(median(smallMs))} ms, 10,000 items ${round(median(largeMs))} ms`);
    return [
      {
        id: 'trim-scale',
        title: 'Trimming 10,000 items to a 3,000-token budget, relative to 1,000 items',
        value: round(ratio),
        unit: 'x',
        target: `<= ${TARGET_RATIO}x and 10,000 items < ${TARGET_MS} ms`,
        baseline: `1,000 items in the same run: ${round(median(smallMs))} ms median; 10,000 items: ${round(median(largeMs))} ms median`,
        met: ratio <= TARGET_RATIO && median(largeMs) < TARGET_MS,
        rerun: ['node --import tsx bench/run.ts --only trim-scale'],
        details: { small_ms: round(median(smallMs)), large_ms: round(median(largeMs)), kept_of_10000: kept, repeats },
      },
    ];
  },
};
