/** The freshness policy a job carries, and the decisions it leads to (recorded in history). */
import { z } from 'zod';
import { Sha256Hash, SourceId } from './common.js';

/** What a job does with a pack whose sources changed: use it, fall back with a marker, or regenerate it. */
export const FreshnessPolicy = z.strictObject({
  /** The workflow may rebuild a stale pack from current sources. */
  regen_allowed: z.boolean(),
  /** A stale pack must not be used: without regeneration the job fails instead of degrading. */
  regen_required: z.boolean(),
});
export type FreshnessPolicy = z.infer<typeof FreshnessPolicy>;

export const SourceChange = z.strictObject({
  source_id: SourceId,
  was: Sha256Hash,
  /** null when the source no longer exists. */
  now: Sha256Hash.nullable(),
});
export type SourceChange = z.infer<typeof SourceChange>;

/**
 * - `fresh`: every source still hashes the same; the pack is used as is.
 * - `regenerated`: sources changed and the pack was rebuilt (`Regenerated {old, new}`).
 * - `stale-fallback`: sources changed, no regeneration allowed or it failed, and freshness is not
 *   required: the stale pack is used and the run is marked degraded with `stale_pack:<hash>`.
 */
export const FreshnessDecision = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('fresh'), pack_hash: Sha256Hash }),
  z.strictObject({
    decision: z.literal('regenerated'),
    old: Sha256Hash,
    new: Sha256Hash,
    changes: z.array(SourceChange),
  }),
  z.strictObject({
    decision: z.literal('stale-fallback'),
    pack_hash: Sha256Hash,
    marker: z.string().regex(/^stale_pack:sha256:[0-9a-f]{64}$/),
    changes: z.array(SourceChange),
  }),
]);
export type FreshnessDecision = z.infer<typeof FreshnessDecision>;
