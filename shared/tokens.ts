/**
 * Token counting with a real tokenizer that works offline: gpt-tokenizer's `o200k_base` encoding
 * (the encoding of current OpenAI models; a reasonable, stable yardstick for other vendors too).
 * The tokenizer's id and version are recorded in every pack, because budgets depend on them.
 */
import { createRequire } from 'node:module';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

const version = (createRequire(import.meta.url)('gpt-tokenizer/package.json') as { version: string }).version;

export const TOKENIZER = { id: 'gpt-tokenizer/o200k_base', version } as const;

/** Counts tokens; text that looks like a special token (`<|endoftext|>`) counts as plain text, never throws. */
export function countTokens(text: string): number {
  return countO200k(text, { disallowedSpecial: new Set() });
}
