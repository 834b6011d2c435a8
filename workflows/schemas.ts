/**
 * The library's workflow schemas, built once per V8 context instead of once per workflow.
 *
 * Temporal's reusable V8 context evaluates a workflow's modules again for every workflow it starts,
 * so schema modules imported statically cost every cached workflow ~0.5 MB of heap and a few ms of
 * its first task. This module is preloaded (workers/workflows-entry.ts) and imports the schema set
 * only on first use, with an eager dynamic import (bundled, no chunk, resolved in microtasks): the
 * first workflow builds it, every later one in the context reuses it. That is safe because zod schemas
 * hold no per-workflow state: what they cache is derived from their definitions alone. Without the
 * preload (or with `reuseV8Context: false`) this module is per workflow and so is the set: same
 * behaviour, the old cost.
 *
 * Callers take {@link loadedWorkflowSchemas} first and await {@link loadWorkflowSchemas} only when it
 * is undefined, so once the set is loaded no await is added anywhere (replays of histories recorded
 * before this module existed see the same microtask order). The library's workflows load it before
 * they install any handler.
 */
import type * as SchemaSet from './schema-set.js';

/** The schemas of workflows/schema-set.ts. */
export type WorkflowSchemas = typeof SchemaSet;

let loaded: WorkflowSchemas | undefined;

/** The schema set, loading it on first use (deterministic: no I/O, only bundled module evaluation). */
export async function loadWorkflowSchemas(): Promise<WorkflowSchemas> {
  loaded ??= await import(/* webpackMode: "eager" */ './schema-set.js');
  return loaded;
}

/** The schema set if this context has loaded it already, else undefined (then await {@link loadWorkflowSchemas}). */
export function loadedWorkflowSchemas(): WorkflowSchemas | undefined {
  return loaded;
}

/**
 * The schema set for a synchronous Update validator. Only a workflow that installed its handlers
 * before its first await can meet it unloaded (an Update in its first activation, before any pack
 * is bound): that Update is refused like any other that arrives while the job is still binding.
 */
export function schemasForValidator(): WorkflowSchemas {
  if (!loaded) throw new Error('the job is still binding its first packs; retry shortly');
  return loaded;
}
