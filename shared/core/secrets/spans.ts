/**
 * Turning the detectors' raw matches into one fixed set of replacements. Several detectors often
 * match the same secret (secretlint and a project pattern, a service pattern and the entropy
 * check), sometimes with different extents; the rules here make the outcome independent of the
 * order they reported in and never leave part of a matched secret behind.
 */
import { placeholderRanges, redactionPlaceholder } from './placeholder.js';
import { ruleTier, type RuleId } from './rule-ids.js';

/** A matched secret: the half-open range `[start, end)` of `text` and the rule that matched it. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly rule: RuleId;
}

/**
 * Removes the parts of each span that are placeholders from an earlier pass. Without this a second
 * pass would match `password=[REDACTED:...]` or a URL whose password is a placeholder again; and a
 * span is cut rather than dropped, so a placeholder planted next to a secret cannot shield it.
 */
function outsidePlaceholders(text: string, spans: readonly Span[]): Span[] {
  const placeholders = placeholderRanges(text);
  if (placeholders.length === 0) return [...spans];
  const pieces: Span[] = [];
  for (const span of spans) {
    let at = span.start;
    // First placeholder that ends after the span starts (placeholders are sorted and disjoint).
    let lo = 0;
    let hi = placeholders.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((placeholders[mid] as [number, number])[1] <= span.start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < placeholders.length; i += 1) {
      const [phStart, phEnd] = placeholders[i] as [number, number];
      if (phStart >= span.end) break;
      if (phStart > at) pieces.push({ start: at, end: phStart, rule: span.rule });
      at = Math.max(at, phEnd);
    }
    if (at < span.end) pieces.push({ start: at, end: span.end, rule: span.rule });
  }
  // Whitespace between two placeholders is not a secret, and redacting it would make a second pass
  // differ from the first.
  return pieces.filter((piece) => /\S/.test(text.slice(piece.start, piece.end)));
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Which member names a group of overlapping spans: the most specific tier, then the longest, then
 * the earliest, then the rule id. A total order, so the answer does not depend on input order.
 */
function better(a: Span, b: Span): boolean {
  const order =
    ruleTier(a.rule) - ruleTier(b.rule) ||
    b.end - b.start - (a.end - a.start) ||
    a.start - b.start ||
    compareIds(a.rule, b.rule);
  return order < 0;
}

/**
 * Merges overlapping spans into one span covering their union, named by its best member. Taking
 * the union (not just the winner) matters: two detectors can disagree on where a secret ends, and
 * keeping only one extent would leak the rest. Spans that merely touch stay separate.
 */
export function resolveSpans(text: string, spans: readonly Span[]): Span[] {
  const pieces = outsidePlaceholders(text, spans).sort((a, b) => a.start - b.start || b.end - a.end || compareIds(a.rule, b.rule));
  const resolved: Span[] = [];
  let group: { start: number; end: number; best: Span } | undefined;
  for (const span of pieces) {
    if (group && span.start < group.end) {
      group.end = Math.max(group.end, span.end);
      if (better(span, group.best)) group.best = span;
      continue;
    }
    if (group) resolved.push({ start: group.start, end: group.end, rule: group.best.rule });
    group = { start: span.start, end: span.end, best: span };
  }
  if (group) resolved.push({ start: group.start, end: group.end, rule: group.best.rule });
  return resolved;
}

/** Replaces each (disjoint, sorted) span with its placeholder and counts replacements per rule. */
export function applySpans(
  text: string,
  spans: readonly Span[],
): { text: string; findings: { readonly rule: string; readonly count: number }[] } {
  if (spans.length === 0) return { text, findings: [] };
  const counts = new Map<string, number>();
  const parts: string[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(text.slice(at, span.start), redactionPlaceholder(span.rule));
    at = span.end;
    counts.set(span.rule, (counts.get(span.rule) ?? 0) + 1);
  }
  parts.push(text.slice(at));
  const findings = [...counts.entries()].sort(([a], [b]) => compareIds(a, b)).map(([rule, count]) => ({ rule, count }));
  return { text: parts.join(''), findings };
}
