/**
 * The token counter's bounded merge cache (tokens.ts): counts are exactly those of gpt-tokenizer's
 * own o200k_base with its default cache, also once the bounded cache has evicted, and the cache
 * stays within its bound however much distinct text is counted.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { COUNT_CACHE_MIN_CHARS, countCacheEntries, countTokens, forgetCounts, MERGE_CACHE_ENTRIES, mergeCacheEntries, TOKENIZER } from '../../../shared/engine/tokens.js';

const require = createRequire(import.meta.url);

interface Encoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}
/** A second o200k_base encoder with gpt-tokenizer's default merge cache: the reference. */
function referenceEncoder(): Encoding {
  const { GptEncoding } = require('gpt-tokenizer/GptEncoding') as { GptEncoding: { getEncodingApi(name: string, ranks: () => unknown): Encoding } };
  const ranks = (require('gpt-tokenizer/bpeRanks/o200k_base') as { default: unknown }).default;
  return GptEncoding.getEncodingApi('o200k_base', () => ranks);
}


/** Deterministic text with many distinct multi-token chunks (made-up words, unicode, digits, code). */
function corpus(lines: number): string[] {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const alphabet = 'abcdefghijklmnopqrstuvwxyzäöüßéèçñø漢字かなкиї';
  const word = () => Array.from({ length: 4 + Math.floor(next() * 9) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`${word()}${word()} = ${word()}_${Math.floor(next() * 1e6)}(${word()}); // ${word()} ${word()}\n\t<|endoftext|> ${word()}`);
  }
  return out;
}

describe('countTokens', () => {
  it('counts exactly as gpt-tokenizer with its default cache, before and after the bounded cache evicts', () => {
    const reference = referenceEncoder();
    const texts = corpus(2 * MERGE_CACHE_ENTRIES);
    const expected = texts.map((t) => reference.countTokens(t, { disallowedSpecial: new Set() }));
    // Twice: the second pass meets chunks the bounded cache has already evicted.
    for (let pass = 0; pass < 2; pass++) {
      const counted = texts.map((t) => countTokens(t));
      expect(counted).toEqual(expected);
    }
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(texts.length * 20);
  });

  it('keeps the merge cache within its bound', () => {
    for (const text of corpus(2 * MERGE_CACHE_ENTRIES)) countTokens(text);
    const size = mergeCacheEntries();
    expect(size).toBeGreaterThan(MERGE_CACHE_ENTRIES / 2);
    expect(size).toBeLessThanOrEqual(MERGE_CACHE_ENTRIES);
  });

  it('counts text that looks like a special token as plain text', () => {
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
    expect(countTokens('')).toBe(0);
    expect(TOKENIZER.id).toBe('gpt-tokenizer/o200k_base');
  });

  it('remembers the counts of long texts exactly, apart for texts that differ only in lone surrogates, within its bound', () => {
    const reference = referenceEncoder();
    const exact = (text: string) => reference.countTokens(text, { disallowedSpecial: new Set() });
    const long = corpus(200).join('\n');
    expect(long.length).toBeGreaterThan(COUNT_CACHE_MIN_CHARS);
    const first = countTokens(long);
    expect(countTokens(long)).toBe(first);
    expect(first).toBe(exact(long));
    // UTF-8 would give these three the same bytes (a lone surrogate becomes U+FFFD): each keeps its own count.
    const base = 'x'.repeat(COUNT_CACHE_MIN_CHARS);
    const variants = [`${base}\ud800 a`, `${base}\udc00 a`, `${base}\ufffd a`, `${base}\ud800\udc00 a`];
    for (const text of variants) expect(countTokens(text)).toBe(exact(text));
    for (const text of variants) expect(countTokens(text)).toBe(exact(text));
    // Bounded: many distinct long texts leave at most 1,024 remembered, and still count exactly.
    const many = Array.from({ length: 1100 }, (_, i) => `${base}${i}`);
    for (const text of many) countTokens(text);
    expect(countCacheEntries()).toBe(1024);
    for (const text of many.slice(-5)) expect(countTokens(text)).toBe(exact(text));
    forgetCounts();
    expect(countCacheEntries()).toBe(0);
    expect(countTokens(long)).toBe(first);
    expect(countCacheEntries()).toBe(1);
  });
});
