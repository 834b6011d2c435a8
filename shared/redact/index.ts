/**
 * Secret detection and redaction. Secrets never enter a pack or a store: each is replaced by a
 * stable placeholder naming its rule, and reports give counts per rule, never the value or any part
 * of it. Deterministic: overlapping matches resolve by earliest start, then longest span, then rule
 * id. Idempotent: placeholders match no rule.
 */
import { looksRandom } from './entropy.js';
import { ASSIGNMENT, SECRET_RULES } from './rules.js';
import { secretlintSpans } from './secretlint.js';

export interface RedactionFinding {
  readonly rule: string;
  readonly count: number;
}

export interface RedactionResult {
  /** The input with every secret replaced by its placeholder. */
  readonly text: string;
  /** One entry per rule that fired, sorted by rule id. */
  readonly findings: RedactionFinding[];
}

export const REDACTOR_ID = 'ctxpack-redact';
/** Bump whenever a rule change could change redacted output. */
export const REDACTOR_VERSION = '1.2.0';

export function redactionPlaceholder(rule: string): string {
  return `[REDACTED:${rule}]`;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

function findSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const rule of SECRET_RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const group = rule.group ?? 0;
      const secret = match[group];
      // A placeholder from an earlier pass is not a secret (keeps redaction idempotent).
      if (!secret || match.index === undefined || secret.startsWith('[REDACTED:')) continue;
      // Rule patterns put their groups side by side from the match start, so the secret's offset
      // is the length of the groups before it.
      let offset = 0;
      for (let g = 1; g < group; g += 1) offset += match[g]?.length ?? 0;
      const start = match.index + offset;
      spans.push({ start, end: start + secret.length, rule: rule.id });
    }
  }
  for (const match of text.matchAll(ASSIGNMENT)) {
    const value = match[3];
    if (!value || match.index === undefined || !looksRandom(value)) continue;
    const start = match.index + (match[1]?.length ?? 0) + (match[2]?.length ?? 0);
    spans.push({ start, end: start + value.length, rule: GENERIC });
  }
  return spans;
}

const GENERIC = 'generic-high-entropy';

/**
 * Earliest start wins, then the longest span, then a service rule over the generic entropy rule (it
 * names what the secret is), then the rule id: one fixed answer for overlaps.
 */
function resolveOverlaps(spans: Span[]): Span[] {
  const generic = (s: Span) => (s.rule === GENERIC ? 1 : 0);
  const sorted = [...spans].sort(
    (a, b) => a.start - b.start || b.end - a.end || generic(a) - generic(b) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  const kept: Span[] = [];
  for (const span of sorted) {
    const last = kept[kept.length - 1];
    if (last && span.start < last.end) continue;
    kept.push(span);
  }
  return kept;
}

/**
 * Detects and redacts secrets: secretlint's recommended preset, the project's own service rules
 * (services the preset misses, e.g. GitLab, Stripe, Google API keys, JWTs) and an entropy check for
 * generic `key=`/`token=` assignments.
 */
export async function redactSecrets(text: string): Promise<RedactionResult> {
  const library = (await secretlintSpans(text)).filter((span) => !text.slice(span.start, span.end).startsWith('[REDACTED:'));
  return applySpans(text, resolveOverlaps([...library, ...findSpans(text)]));
}

function applySpans(text: string, spans: Span[]): RedactionResult {
  if (spans.length === 0) return { text, findings: [] };
  const counts = new Map<string, number>();
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + redactionPlaceholder(span.rule);
    at = span.end;
    counts.set(span.rule, (counts.get(span.rule) ?? 0) + 1);
  }
  out += text.slice(at);
  const findings = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rule, count]) => ({ rule, count }));
  return { text: out, findings };
}
