/**
 * Token counting with a real tokenizer that works offline: gpt-tokenizer's `o200k_base` encoding
 * (the encoding of current OpenAI models; a reasonable, stable yardstick for other vendors too).
 * The tokenizer's id and version are recorded in every pack, because budgets depend on them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const version = (require('gpt-tokenizer/package.json') as { version: string }).version;

type CountO200k = (text: string, options: { disallowedSpecial: Set<string> }) => number;
let countO200k: CountO200k | undefined;

/**
 * The encoding's tables take ~55-70 MB of resident memory, so they load on the first count, not on import: a
 * worker that only calls models (and never assembles) does not pay for them.
 */
function encoder(): CountO200k {
  countO200k ??= (require('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountO200k }).countTokens;
  return countO200k;
}

export const TOKENIZER = { id: 'gpt-tokenizer/o200k_base', version } as const;

/** Counts tokens; text that looks like a special token (`<|endoftext|>`) counts as plain text, never throws. */
export function countTokens(text: string): number {
  return encoder()(text, { disallowedSpecial: new Set() });
}
