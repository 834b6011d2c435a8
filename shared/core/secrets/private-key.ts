/**
 * PEM private key blocks (`-----BEGIN ... PRIVATE KEY-----` through the matching END line), in any
 * flavour: PKCS#8, RSA, EC, DSA, OpenSSH, encrypted, PGP armour, and JSON-escaped (`\n`) as in
 * cloud service-account files.
 *
 * secretlint's preset finds complete blocks whose body looks like real key material; this also
 * catches a block cut off before its END line (an excerpt, a truncated log), which would otherwise
 * leave the whole key body in the pack.
 */
import type { Span } from './spans.js';

const BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;
const END = /-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * The body of a block with no END line: line breaks (real or JSON-escaped) each followed by an
 * armour header (`Proc-Type: ...`, `Version: ...`), a line of base64, or nothing. Each repetition
 * starts with a line break, so the repetition is unambiguous and matching stays linear.
 */
const UNTERMINATED_BODY =
  /(?:[ \t]*(?:\r?\n|\\r\\n|\\n)(?:[A-Za-z][A-Za-z-]{0,31}: [^\r\n\\]{0,256}|[A-Za-z0-9+/=]{1,4096}(?=[ \t]*(?:\r?\n|\\[rn]|["',]|$))|))+/y;

/**
 * Key material: a run of base64 at least this long. A header and footer around `${key}`, `...` or
 * prose is code that builds a PEM or documentation about one, and holds nothing to redact.
 */
const KEY_MATERIAL = /[A-Za-z0-9+/]{20}/;

function positions(text: string, pattern: RegExp): { start: number; end: number }[] {
  return [...text.matchAll(pattern)].map((match) => ({ start: match.index, end: match.index + match[0].length }));
}

export function privateKeySpans(text: string): Span[] {
  const begins = positions(text, BEGIN);
  if (begins.length === 0) return [];
  const ends = positions(text, END);
  const spans: Span[] = [];
  let e = 0;
  for (const [i, begin] of begins.entries()) {
    const nextBegin = begins[i + 1]?.start ?? text.length;
    while (e < ends.length && (ends[e] as { start: number }).start < begin.end) e += 1;
    const end = ends[e];
    if (end !== undefined && end.start < nextBegin) {
      if (KEY_MATERIAL.test(text.slice(begin.end, end.start))) spans.push({ start: begin.start, end: end.end, rule: 'private-key' });
      continue;
    }
    UNTERMINATED_BODY.lastIndex = begin.end;
    // Trailing blank lines belong to the text that follows, not to the key.
    const body = (UNTERMINATED_BODY.exec(text)?.[0] ?? '').replace(/(?:\s|\\[rn])+$/, '');
    if (KEY_MATERIAL.test(body)) spans.push({ start: begin.start, end: begin.end + body.length, rule: 'private-key' });
  }
  return spans;
}
