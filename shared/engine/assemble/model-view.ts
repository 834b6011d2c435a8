/**
 * The payload as the model reads it, on its own so render.ts (which the reuse path of
 * `ctxpack assemble` loads) does not pull in the tokenizer and schemas that trimming needs.
 */
import type { ContextPayload } from '../../core/schema/payload.js';

/**
 * The payload as the model reads it (render.ts) and as the budget counts it: budget cuts are one
 * count, not a list.
 */
export function payloadForModel(payload: ContextPayload): unknown {
  const budget = payload.coverage.skipped.filter((s) => s.reason === 'budget').length;
  if (budget === 0) return payload;
  return {
    ...payload,
    coverage: {
      scanned: payload.coverage.scanned,
      skipped: payload.coverage.skipped.filter((s) => s.reason !== 'budget'),
      budget_skipped: budget,
    },
  };
}
