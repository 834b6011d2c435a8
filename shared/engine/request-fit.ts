/**
 * Making the whole rendered request fit a model's window when the model's tokenizer is not the
 * pack's estimator (o200k, see tokens.ts).
 *
 * Why not ask the server (`/tokenize`) while building the pack: the pack must be the same bytes on
 * every machine and at every time, and a build must not depend on a server being up. So the pack
 * stays estimator-based, and the model's registry entry says (RequestFit) how far its tokenizer may
 * exceed the estimate, what its chat template adds and what the answer needs: the pack builder trims
 * until the estimated rendering, scaled by that margin, plus those reserves fits the window. The
 * server's own count is recorded with every invocation (usage.input_tokens), next to the estimate,
 * so a margin that is too small shows up in history long before a request is refused.
 */
import type { RequestFit } from '../core/schema/providers.js';
import { countTokens } from './tokens.js';
import type { RenderedMessage } from './render.js';

/**
 * Estimator tokens the pack's hash strings may vary by: the rendering names the work-unit pack's
 * own hash, which changes with every trim, and different hex digits tokenize to slightly different
 * counts.
 */
const HASH_SLACK_TOKENS = 8;

/** The estimator's count of what a model reads: every message's content. */
export function estimateMessages(messages: readonly RenderedMessage[]): number {
  return messages.reduce((sum, message) => sum + countTokens(message.content), 0);
}

/** Estimator tokens the rendered messages (without feedback) may take for `fit` in `contextWindow`. */
export function renderingBudget(contextWindow: number, fit: RequestFit): number {
  const serverTokens = contextWindow - fit.answer_tokens - fit.template_overhead_tokens - fit.feedback_tokens;
  return Math.floor((serverTokens * 100) / (100 + fit.estimate_margin_pct)) - HASH_SLACK_TOKENS;
}

/**
 * The previous attempt's feedback cut to the model's `feedback_tokens` (estimated, margin applied,
 * as the JSON string the data block holds), keeping its end: the last lines of a failing test run say
 * what failed. A deterministic function of the feedback and the registry entry, so a replay re-renders
 * exactly what was sent.
 */
export function fitFeedback(feedback: string, fit: RequestFit): string {
  const allowed = Math.floor((fit.feedback_tokens * 100) / (100 + fit.estimate_margin_pct));
  const cost = (text: string) => countTokens(JSON.stringify(text)) + 4; // the key and its quotes
  if (cost(feedback) <= allowed) return feedback;
  if (allowed <= 4) return '';
  const lines = feedback.split('\n');
  // Drop whole lines from the start, then characters, until it fits.
  let start = 0;
  while (start < lines.length - 1 && cost(lines.slice(start).join('\n')) > allowed) start++;
  let kept = lines.slice(start).join('\n');
  while (kept.length > 0 && cost(kept) > allowed) kept = kept.slice(Math.max(1, Math.floor(kept.length / 8)));
  return kept;
}
