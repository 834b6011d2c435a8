/**
 * Shannon entropy, judged against what a random string of the same length and alphabet would have.
 *
 * A fixed bits-per-character threshold cannot work on its own: a 16-character random token can
 * carry at most 4 bits per character while a 64-character one carries about 5, and hex can never
 * exceed 4. So a value passes when its entropy reaches {@link ENTROPY_RATIO} of the expected
 * entropy of a uniformly random string of its length over its alphabet (hex, base36, base62,
 * base64 or printable ASCII). That keeps about 99% of random tokens of 16+ characters and rejects
 * repetitive values ("AAAA...", base64 of repeated text).
 *
 * Entropy is only the last check: words, identifiers, placeholders and digests are filtered out
 * before it by shape (see benign-values.ts), because short human-made strings score as "random" as
 * real keys do.
 */

/** Fraction of a random string's expected entropy a value must reach. */
export const ENTROPY_RATIO = 0.8;

/** Bits per character of `value` (over UTF-16 code units, which is what the patterns see). */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The smallest common alphabet `value` is drawn from. */
export function alphabetSize(value: string): number {
  if (/^[0-9]+$/.test(value)) return 10;
  if (/^[0-9a-f]+$/.test(value) || /^[0-9A-F]+$/.test(value)) return 16;
  if (/^[0-9a-z]+$/.test(value) || /^[0-9A-Z]+$/.test(value)) return 36;
  if (/^[0-9A-Za-z]+$/.test(value)) return 62;
  if (/^[0-9A-Za-z+/=_-]+$/.test(value)) return 64;
  return 95;
}

const expectedCache = new Map<string, number>();

/**
 * Expected Shannon entropy (bits per character) of `length` independent uniform draws from an
 * alphabet of `size` symbols: `size` times the expected contribution of one symbol, whose count is
 * Binomial(length, 1/size). Exact, so short strings are not held to a bar they cannot reach.
 */
export function expectedEntropy(length: number, size: number): number {
  const key = `${length}/${size}`;
  const cached = expectedCache.get(key);
  if (cached !== undefined) return cached;
  const q = 1 / size;
  // P(count = 0) by repeated multiplication: plain IEEE arithmetic, the same on every machine.
  let pmf = 1;
  for (let i = 0; i < length; i += 1) pmf *= 1 - q;
  let expected = 0;
  for (let count = 0; count <= length; count += 1) {
    if (count > 0 && pmf > 0) {
      const share = count / length;
      expected -= pmf * share * Math.log2(share);
    }
    pmf *= ((length - count) / (count + 1)) * (q / (1 - q));
  }
  const result = size * expected;
  expectedCache.set(key, result);
  return result;
}

/**
 * Whether `value` is as varied as a random string of its length and alphabet tends to be.
 *
 * Deterministic across machines: apart from basic IEEE arithmetic the only function used is
 * `Math.log2`, which V8 implements itself (an fdlibm port) instead of calling the platform's libm.
 */
export function hasRandomEntropy(value: string): boolean {
  // Dashes in hex (UUIDs, grouped keys) are layout, not symbols: judge the hex alone.
  const judged = /^[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)+$/.test(value) ? value.replaceAll('-', '') : value;
  if (judged.length < 2) return false;
  return shannonEntropy(judged) >= ENTROPY_RATIO * expectedEntropy(judged.length, alphabetSize(judged));
}
