/**
 * The o200k_base vocabulary read from gpt-tokenizer's shipped `.tiktoken` file (tokenizer-ranks.ts):
 * rank for rank the installed package's own generated module, and a file in any other form is
 * refused (the counter then loads the package's module) with the line and the problem named.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTiktoken, readShippedRanks, TiktokenFormatError } from '../../../shared/engine/tokenizer-ranks.js';

const require = createRequire(import.meta.url);
const line = (bytes: number[] | string, rank: number) => `${Buffer.from(bytes as never).toString('base64')} ${rank}\n`;
const parse = (text: string) => parseTiktoken(Buffer.from(text, 'latin1'));
const scratch = mkdtemp(path.join(tmpdir(), 'tiktoken-'));
afterAll(async () => rm(await scratch, { recursive: true, force: true }));

describe('readShippedRanks', () => {
  it('reads the vocabulary of the installed gpt-tokenizer, rank for rank its generated module', () => {
    const ranks = readShippedRanks();
    const generated = (require('gpt-tokenizer/bpeRanks/o200k_base') as { default: (string | number[])[] }).default;
    expect(ranks).toBeDefined();
    expect(ranks?.length).toBe(generated.length);
    expect(ranks).toEqual(generated);
    // Both forms occur, so both paths of the decoding were compared.
    expect(ranks?.some((r) => typeof r !== 'string')).toBe(true);
    expect(generated.length).toBeGreaterThan(199_000);
  });

  it('answers undefined for a file that is missing or not a vocabulary, so the module is loaded instead', async () => {
    const dir = await scratch;
    expect(readShippedRanks(path.join(dir, 'missing.tiktoken'))).toBeUndefined();
    const bad = path.join(dir, 'bad.tiktoken');
    await writeFile(bad, 'not a vocabulary\n');
    expect(readShippedRanks(bad)).toBeUndefined();
    const good = path.join(dir, 'good.tiktoken');
    await writeFile(good, line('ab', 0) + line('c', 1));
    expect(readShippedRanks(good)).toEqual(['ab', 'c']);
  });
});

describe('parseTiktoken', () => {
  it('keeps a token as a string only when its bytes are UTF-8 without a leading byte order mark', () => {
    const text = line('ok', 0) + line([0xff, 0x41], 1) + line([0xef, 0xbb, 0xbf, 0x41], 2) + line('é', 3) + line([0xc3], 4) + line([0xed, 0xa0, 0x80], 5);
    expect(parse(text)).toEqual(['ok', [0xff, 0x41], [0xef, 0xbb, 0xbf, 0x41], 'é', [0xc3], [0xed, 0xa0, 0x80]]);
  });

  it('fills a gap in the ranks with empty strings, as gpt-tokenizer does', () => {
    expect(parse(line('a', 0) + line('b', 3))).toEqual(['a', '', '', 'b']);
  });

  it.each([
    ['no newline at the end', 'YQ== 0', 1, 'ended by a newline'],
    ['no rank', 'YQ==\n', 1, 'ended by a newline'],
    ['an empty rank', 'YQ== \n', 1, 'whole number'],
    ['a rank with a sign', 'YQ== -1\n', 1, 'whole number'],
    ['a rank of eleven digits', 'YQ== 12345678901\n', 1, 'whole number'],
    ['ranks going down', `${line('a', 1)}${line('b', 0)}`, 2, 'not above'],
    ['a repeated rank', `${line('a', 0)}${line('b', 0)}`, 2, 'not above'],
    ['unpadded base64', 'YQ 0\n', 1, 'padded base64'],
    ['base64 outside the alphabet', 'Y-== 0\n', 1, 'not base64'],
    ['padding in the middle', 'Y=Q= 0\n', 1, 'not base64'],
    ['stray bits after the last byte', 'YR== 0\n', 1, 'stray bits'],
    ['an empty token', ' 0\n', 1, 'padded base64'],
    ['a token over the size bound', `${Buffer.alloc(2048, 0x61).toString('base64')} 0\n`, 1, 'longer than'],
    ['an empty file', '', 1, 'no token'],
  ])('refuses %s, naming the line', (_name, text, lineNo, problem) => {
    let caught: unknown;
    try {
      parse(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TiktokenFormatError);
    expect((caught as TiktokenFormatError).line).toBe(lineNo);
    expect((caught as Error).message).toContain(problem);
  });
});
