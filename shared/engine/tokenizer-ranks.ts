/**
 * The `o200k_base` vocabulary read from the file gpt-tokenizer ships beside its code
 * (`gpt-tokenizer/data/o200k_base.tiktoken`: one `<base64 bytes> <rank>` line per token), in the form
 * its encoder takes: at each rank the token as a string when its bytes are UTF-8 that decodes and
 * encodes back to the same bytes, else the bytes as numbers. This is what the package's own code
 * generator (src/codegen/generateJsBpe.ts) writes into `bpeRanks/o200k_base.js` from the same file, so
 * both are the same vocabulary (a test compares every rank with the installed package's module).
 *
 * Why not the package's module: a 2.4 MB JavaScript array literal that V8 parses and compiles, which
 * took a fresh process from 39 to 108 MB resident (94 MB after a full GC); reading this file the
 * same tables took it to 89 MB (79 after GC), the live heap being the same 18-19 MB either way. In a
 * worker that is memory the bare Temporal worker does not have.
 *
 * Node-only (I/O). Not for workflow code.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Rank -> token: the string it decodes to, or its bytes when those are not plain UTF-8. */
export type Ranks = (string | number[])[];

const require = createRequire(import.meta.url);
const SPACE = 0x20;
const NEWLINE = 0x0a;
const PAD = 0x3d; // '='
/** The longest token in the shipped vocabularies is 128 bytes; a line past this is not one of them. */
const MAX_TOKEN_BYTES = 1024;
const BASE64 = new Int8Array(256).fill(-1);
[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].forEach((c, i) => {
  BASE64[c.charCodeAt(0)] = i;
});

/** A vocabulary file that is not in the `.tiktoken` form; `line` is 1-based. */
export class TiktokenFormatError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line} of the vocabulary file: ${problem}`);
    this.name = 'TiktokenFormatError';
  }
}

/**
 * Decodes the base64 token of `bytes[from, to)` into `out`; returns its length. Strict: the standard
 * alphabet, padding only at the end and only to a multiple of four, no stray bits.
 */
function decodeToken(bytes: Uint8Array, from: number, to: number, out: Buffer, line: number): number {
  let end = to;
  while (end > from && bytes[end - 1] === PAD && to - end < 2) end -= 1;
  if ((to - from) % 4 !== 0 || end === from) throw new TiktokenFormatError(line, 'the token is not padded base64');
  let length = 0;
  let acc = 0;
  let bits = 0;
  for (let i = from; i < end; i += 1) {
    const value = BASE64[bytes[i] as number] as number;
    if (value < 0) throw new TiktokenFormatError(line, 'the token is not base64');
    acc = ((acc << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (length === out.length) throw new TiktokenFormatError(line, `the token is longer than ${MAX_TOKEN_BYTES} bytes`);
      out[length++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TiktokenFormatError(line, 'the token has stray bits after its last byte');
  return length;
}

/**
 * The ranks in a `.tiktoken` file's bytes: ranks strictly increasing from 0, a gap filled with empty
 * strings (as the package's generator does), every line ended by a newline.
 */
export function parseTiktoken(bytes: Uint8Array): Ranks {
  const ranks: Ranks = [];
  const token = Buffer.alloc(MAX_TOKEN_BYTES);
  let pos = 0;
  for (let line = 1; pos < bytes.length; line += 1) {
    const space = bytes.indexOf(SPACE, pos);
    const newline = bytes.indexOf(NEWLINE, pos);
    if (space < 0 || newline < 0 || space > newline) throw new TiktokenFormatError(line, 'expected "<base64 token> <rank>" ended by a newline');
    const length = decodeToken(bytes, pos, space, token, line);
    if (newline === space + 1 || newline - space > 10) throw new TiktokenFormatError(line, 'the rank is not a whole number');
    let rank = 0;
    for (let i = space + 1; i < newline; i += 1) {
      const digit = (bytes[i] as number) - 0x30;
      if (digit < 0 || digit > 9) throw new TiktokenFormatError(line, 'the rank is not a whole number');
      rank = rank * 10 + digit;
    }
    if (rank < ranks.length) throw new TiktokenFormatError(line, `rank ${rank} is not above the rank before it`);
    while (ranks.length < rank) ranks.push('');
    // The generator decodes with a fatal TextDecoder, which drops a leading byte order mark, and keeps
    // the string only when it encodes back to as many bytes: so a token starting with one stays bytes.
    const bom = length >= 3 && token[0] === 0xef && token[1] === 0xbb && token[2] === 0xbf;
    const view = token.subarray(0, length);
    ranks.push(!bom && isUtf8(view) ? token.toString('utf8', 0, length) : Array.from(view));
    pos = newline + 1;
  }
  if (ranks.length === 0) throw new TiktokenFormatError(1, 'the file holds no token');
  return ranks;
}

/**
 * The `o200k_base` ranks from the installed gpt-tokenizer's vocabulary file (or `file`), or undefined
 * when it cannot be read or is not in the expected form (an older or repackaged gpt-tokenizer): the
 * caller then loads the package's module, the same vocabulary at a higher memory cost.
 */
export function readShippedRanks(file?: string): Ranks | undefined {
  try {
    return parseTiktoken(readFileSync(file ?? require.resolve('gpt-tokenizer/data/o200k_base.tiktoken')));
  } catch {
    return undefined;
  }
}
