/**
 * The text that stands in for a secret. It names the rule and nothing else, so it carries no part,
 * prefix or length of what it replaced, and it is recognised on later passes so redaction is
 * idempotent.
 */

const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Every placeholder this module writes; a second pass leaves these ranges alone. */
const PLACEHOLDER = /\[REDACTED:[a-z0-9]+(?:-[a-z0-9]+)*\]/g;

/**
 * The placeholder for `rule`, e.g. `[REDACTED:aws-access-key-id]`.
 * @throws RangeError if `rule` is not a kebab-case id (anything else could break the placeholder's
 * own syntax and with it idempotence).
 */
export function redactionPlaceholder(rule: string): string {
  if (!RULE_ID.test(rule)) throw new RangeError(`redaction rule ids are kebab-case, got ${JSON.stringify(rule)}`);
  return `[REDACTED:${rule}]`;
}

/** Half-open ranges of the placeholders already in `text`, in order. */
export function placeholderRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(PLACEHOLDER)) ranges.push([match.index, match.index + match[0].length]);
  return ranges;
}
