/**
 * A context items file (`kind: items` source): distilled knowledge an author or an earlier run wrote
 * down, each item citing where it came from. Items without citations are dropped (or, under `strict`
 * governance, rejected) because a model cannot check an unsourced claim.
 */
import { z } from 'zod';
import { WorkspacePath } from './common.js';

export const ItemCitation = z.strictObject({
  path: WorkspacePath,
  line: z.number().int().min(1).optional(),
});

const itemFields = {
  text: z.string().trim().min(1).max(2000),
  source_refs: z.array(ItemCitation).default([]),
  /** Never sent to a cloud provider. */
  local_only: z.boolean().default(false),
};

/** A context-items file (`.ctxpack/context/*.yaml`): payload items with their source references. */
export const ContextItemsFile = z.strictObject({
  schema_version: z.literal(1),
  synopsis: z.string().trim().max(800).optional(),
  facts: z.array(z.strictObject(itemFields)).default([]),
  constraints: z.array(z.strictObject({ ...itemFields, strength: z.enum(['hard', 'soft']) })).default([]),
  open_loops: z.array(z.strictObject(itemFields)).default([]),
  anchors: z
    .array(
      z.strictObject({
        path: WorkspacePath,
        start_line: z.number().int().min(1).optional(),
        end_line: z.number().int().min(1).optional(),
        label: z.string().trim().min(1).max(200),
      }),
    )
    .default([]),
});
export type ContextItemsFile = z.infer<typeof ContextItemsFile>;
