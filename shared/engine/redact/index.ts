/**
 * Secret detection and redaction. Secrets never enter a pack or a store: each is replaced by a
 * placeholder naming its rule (`[REDACTED:github-token]`), and reports give counts per rule, never
 * the value or any part of it.
 *
 * Detectors, all run on every text:
 * - secretlint's recommended preset (secretlint.ts), the maintained library;
 * - the project's format patterns (service-patterns.ts, private-key.ts) for what the preset misses;
 * - secret-named assignments and Authorization credentials judged by shape and entropy
 *   (assignments.ts).
 * Their matches are merged by one fixed rule (spans.ts), so the output never depends on detector
 * order, and text already redacted is left as it is.
 */
import { assignmentSpans, authorizationSpans } from '../../core/secrets/assignments.js';
import { privateKeySpans } from '../../core/secrets/private-key.js';
import { secretlintSpans } from './secretlint.js';
import { serviceSpans } from '../../core/secrets/service-patterns.js';
import { applySpans, resolveSpans } from '../../core/secrets/spans.js';

export { redactionPlaceholder } from '../../core/secrets/placeholder.js';
export { RULE_IDS, type RuleId } from '../../core/secrets/rule-ids.js';

/** How many secrets one rule replaced. */
export interface RedactionFinding {
  /** A stable kebab-case rule id from {@link RULE_IDS}. */
  readonly rule: string;
  /** Placeholders written for this rule; always > 0. */
  readonly count: number;
}

/** Redacted text and what was found: rule ids and counts, never the secret values. */
export interface RedactionResult {
  /** The input with every secret replaced by its placeholder. */
  readonly text: string;
  /** One entry per rule that fired, sorted by rule id. Never contains any part of a secret. */
  readonly findings: RedactionFinding[];
}

/** Identifies this redactor in pack metadata. */
export const REDACTOR_ID = 'ctxpack-redact';

/**
 * Bumped whenever the same text could redact differently: a rule added, changed or renamed, or a
 * detector library upgrade that changes what it reports.
 * 1.3.0: own span resolution (overlaps merged, never cut short), secretlint ranges re-located,
 * secretlint comment filter off, AWS key ids from secretlint, unterminated private keys, name- and
 * shape-aware generic rule, `authorization-header`, `google-oauth-client-secret`,
 * `unclassified-secret`.
 * 1.4.0: Hugging Face, PyPI, DigitalOcean, Pulumi, Vault, age, Databricks, RubyGems, Postman, Grafana,
 * Sentry and Doppler token formats (gitleaks' and secretlint's rule lists).
 */
export const REDACTOR_VERSION = '1.4.0';

/**
 * Detects and redacts secrets in `text`.
 *
 * Deterministic: the same text gives the same result on any machine (for a given REDACTOR_VERSION
 * and installed secretlint). Idempotent: redacting the result again changes nothing and reports
 * nothing. Where several rules match overlapping text, the union of their matches is replaced by
 * one placeholder named for the most specific rule (service format, then structural, then entropy;
 * ties to the longest match, then the earliest, then the rule id).
 */
export async function redactSecrets(text: string): Promise<RedactionResult> {
  const spans = [
    ...(await secretlintSpans(text)),
    ...serviceSpans(text),
    ...privateKeySpans(text),
    ...assignmentSpans(text),
    ...authorizationSpans(text),
  ];
  return applySpans(text, resolveSpans(text, spans));
}
