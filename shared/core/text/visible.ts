/**
 * Characters that display as nothing, or as something else, made visible. Pure (no Node APIs):
 * workflow code, paths.ts and error construction use it.
 *
 * A reviewer reading a pack, or a model reading the data block, must see the same text the bytes
 * hold. Zero-width and other format characters (Unicode category Cf, which includes the tag block
 * used for "ASCII smuggling"), bidi controls (the "Trojan Source" trick), line and paragraph
 * separators, and C0/C1 controls other than tab and newline are each replaced by an ASCII marker
 * `[U+XXXX]`; full-width ASCII look-alikes (U+FF01-U+FF5E) are folded to the ASCII they imitate.
 * Every change is counted by rule, so the redaction report says it happened.
 */

/** Rule ids for what this module changes (kebab-case, like the secret rules; they share the report). */
export const VISIBILITY_RULES = ['bidi-control', 'control-char', 'fullwidth-folded', 'invisible-char', 'line-separator'] as const;
export type VisibilityRule = (typeof VISIBILITY_RULES)[number];

// Bidi embeddings, overrides, isolates and marks (ALM, LRM, RLM).
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Separators that end a line for some parsers (JavaScript, many renderers) but not for others.
const LINE_SEPARATOR = /[\u0085\u2028\u2029]/u;
// C0 controls except tab and newline, DEL, C1 controls (U+0085 is counted as a line separator above).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f]/u;
// Format characters, plus letters that render as blank (Hangul fillers, Braille blank).
const INVISIBLE = /[\p{Cf}\u115f\u1160\u2800\u3164\uffa0]/u;
const FULLWIDTH = /[\uff01-\uff5e]/u;

/** Any character this module would change; one test instead of five for the common (clean) case. */
const ANY = /[\p{Cf}\u0000-\u0008\u000b-\u001f\u007f-\u009f\u115f\u1160\u2028\u2029\u2800\u3164\uffa0\uff01-\uff5e]/u;

/** The rule a single character breaks, or undefined when it is fine as it is. */
export function visibilityRule(char: string): VisibilityRule | undefined {
  if (!ANY.test(char)) return undefined;
  if (FULLWIDTH.test(char)) return 'fullwidth-folded';
  if (BIDI.test(char)) return 'bidi-control';
  if (LINE_SEPARATOR.test(char)) return 'line-separator';
  if (CONTROL.test(char)) return 'control-char';
  if (INVISIBLE.test(char)) return 'invisible-char';
  return undefined;
}

/** True when `text` holds nothing {@link makeVisible} would change. */
export function isVisible(text: string): boolean {
  return !ANY.test(text);
}

/** `[U+202E]`: ASCII only, so the marker itself is stable under a second pass. */
export function marker(char: string): string {
  return `[U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

export interface VisibleResult {
  readonly text: string;
  /** Characters changed, per rule; empty when the text was already visible. */
  readonly counts: ReadonlyMap<VisibilityRule, number>;
}

/** Replaces every invisible or deceptive character (see the file comment); idempotent. */
export function makeVisible(text: string): VisibleResult {
  if (isVisible(text)) return { text, counts: new Map() };
  const counts = new Map<VisibilityRule, number>();
  let out = '';
  for (const char of text) {
    const rule = visibilityRule(char);
    if (rule === undefined) {
      out += char;
      continue;
    }
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
    out += rule === 'fullwidth-folded' ? String.fromCharCode(char.charCodeAt(0) - 0xfee0) : marker(char);
  }
  return { text: out, counts };
}

/** `text` with invisible characters dropped and full-width folded: what a reader would take it to say. */
export function apparentText(text: string): string {
  if (isVisible(text)) return text;
  let out = '';
  for (const char of text) {
    const rule = visibilityRule(char);
    if (rule === undefined) out += char;
    else if (rule === 'fullwidth-folded') out += String.fromCharCode(char.charCodeAt(0) - 0xfee0);
    else if (rule === 'line-separator') out += ' ';
  }
  return out;
}

/** Cuts `text` to at most `max` code points, ending with `…` when cut; never splits a surrogate pair. */
export function boundLength(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const points = [...text];
  if (points.length <= max) return { text, cut: false };
  return { text: `${points.slice(0, Math.max(0, max - 1)).join('')}…`, cut: true };
}
