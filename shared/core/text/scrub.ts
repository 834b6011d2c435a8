/**
 * The synchronous last line of defence for text that leaves the process outside a pack: error
 * messages, fixes and details (they reach stderr, logs and Temporal history). Pure: errors.ts is
 * imported by workflow code.
 *
 * Messages are written to name a field and a rule, never a value; this catches what a message
 * builder got wrong: invisible characters are made visible, formatted secrets (the synchronous
 * detectors: service formats, private keys, secret-named assignments) are replaced by their
 * placeholders, and the length is bounded.
 */
import { assignmentSpans, authorizationSpans } from '../secrets/assignments.js';
import { privateKeySpans } from '../secrets/private-key.js';
import { serviceSpans } from '../secrets/service-patterns.js';
import { applySpans, resolveSpans } from '../secrets/spans.js';
import { boundLength, makeVisible } from './visible.js';

/** Longest error message or fix kept, in code points. */
export const MAX_MESSAGE_CHARS = 2000;

export function scrubSync(text: string, max = MAX_MESSAGE_CHARS): string {
  const visible = makeVisible(text).text;
  const spans = [...serviceSpans(visible), ...privateKeySpans(visible), ...assignmentSpans(visible), ...authorizationSpans(visible)];
  const redacted = spans.length > 0 ? applySpans(visible, resolveSpans(visible, spans)).text : visible;
  return boundLength(redacted, max).text;
}

/** Details with every string value scrubbed (nested arrays and objects included). */
export function scrubDetails(details: Record<string, unknown>): Record<string, unknown> {
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubSync(value, 500);
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.slice(0, 100).map((item) => walk(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubSync(key, 100), walk(item, depth + 1)]));
  };
  return walk(details, 0) as Record<string, unknown>;
}
