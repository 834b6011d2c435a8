/**
 * The context payload of a work-unit pack, v1: what the model is told about the task, every claim
 * with its provenance.
 *
 * Sort keys (each set-like array has exactly one valid order):
 * - `facts`, `constraints`, `open_loops`: by `id`, a content hash of the item's kind and text, so the
 *   same statement from two sources is one item whose `source_refs` list both;
 * - `source_refs`: by `source_id`, then `line`;
 * - `anchors`: by `path`, then `start_line`;
 * - `coverage.scanned`: by value; `coverage.skipped`: by `ref`, then `reason`.
 */
import { z } from 'zod';
import { SafeText } from '../text/brand.js';
import { Sha256Hash, SourceId, WorkspacePath, compareCodeUnits, sortedSet, sortedStrings } from './common.js';

export const SYNOPSIS_MAX_CHARS = 800;
/** Length bounds of payload text, in code units (the sanitizer cuts to them and reports `length-bound`). */
export const ITEM_MAX_CHARS = 2000;
export const LABEL_MAX_CHARS = 200;
export const SKIPPED_REF_MAX_CHARS = 1100;

export const SourceRef = z.strictObject({
  source_id: SourceId,
  line: z.number().int().min(1).optional(),
});
export type SourceRef = z.infer<typeof SourceRef>;

export function sourceRefKey(ref: SourceRef): string {
  return `${ref.source_id}\u0000${String(ref.line ?? 0).padStart(10, '0')}`;
}

const SourceRefs = sortedSet(SourceRef, sourceRefKey, 'source_id and line').min(1, {
  error: 'every item needs at least one source reference (provenance)',
});

export const ItemId = z.string().regex(/^(fact|constraint|loop)-[0-9a-f]{16}$/, {
  error: 'must be "<fact|constraint|loop>-" and 16 hex digits (derived from the item text)',
});

const itemFields = {
  id: ItemId,
  text: SafeText(ITEM_MAX_CHARS),
  source_refs: SourceRefs,
  /** Present (and true) only for items that must never go to a cloud provider. */
  local_only: z.literal(true).optional(),
};

export const Fact = z.strictObject(itemFields);
export const Constraint = z.strictObject({ ...itemFields, strength: z.enum(['hard', 'soft']) });
export const OpenLoop = z.strictObject(itemFields);
export type Fact = z.infer<typeof Fact>;
export type Constraint = z.infer<typeof Constraint>;
export type OpenLoop = z.infer<typeof OpenLoop>;

export const Anchor = z.strictObject({
  path: WorkspacePath,
  /** The file's content hash when the pack was built: a moved anchor is detectable. */
  sha256: Sha256Hash,
  start_line: z.number().int().min(1).optional(),
  end_line: z.number().int().min(1).optional(),
  label: SafeText(LABEL_MAX_CHARS),
});
export type Anchor = z.infer<typeof Anchor>;

export function anchorKey(anchor: Anchor): string {
  return `${anchor.path}\u0000${String(anchor.start_line ?? 0).padStart(10, '0')}`;
}

export const SkipReason = z.enum(['budget', 'provenance-missing', 'synopsis-truncated', 'unreadable']);
export const Skipped = z.strictObject({ ref: SafeText(SKIPPED_REF_MAX_CHARS), reason: SkipReason });
export type Skipped = z.infer<typeof Skipped>;

export const Coverage = z.strictObject({
  /** Source ids read to build the payload. */
  scanned: sortedStrings(SourceId, 'source id'),
  /** Items or sources left out, and why (item ids, or source ids). */
  skipped: sortedSet(Skipped, (s) => `${s.ref}\u0000${s.reason}`, 'ref and reason'),
});

const byId = <T extends { id: string }>(item: T) => item.id;

/** The context payload of a work-unit pack: synopsis, facts, constraints, open loops, anchors and coverage, every item with its sources. */
export const ContextPayload = z.strictObject({
  synopsis: SafeText(SYNOPSIS_MAX_CHARS, 0),
  facts: sortedSet(Fact, byId, 'id'),
  constraints: sortedSet(Constraint, byId, 'id'),
  open_loops: sortedSet(OpenLoop, byId, 'id'),
  anchors: sortedSet(Anchor, anchorKey, 'path and start_line'),
  coverage: Coverage,
});
export type ContextPayload = z.infer<typeof ContextPayload>;

export { compareCodeUnits };
