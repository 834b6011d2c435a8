/**
 * Which stored packs garbage collection may remove: those no governed job in the retention window
 * references and that are themselves older than the window. A pack a running job references is never
 * deleted, whatever its age; a young pack is kept even if unreferenced (a job may be about to bind it).
 */
import type { PackStore } from './index.js';

/**
 * The least age (since its last put or bind, which both refresh it: PackStore.touch) at which an
 * unreferenced pack may be removed, whatever `--retention-days` says. It covers the time visibility
 * takes to list a job that just started (seconds, usually): a job that bound a pack a moment ago
 * may not be in the list of running jobs yet, but its pack is younger than this.
 */
export const GC_GRACE_MS = 60 * 60 * 1000;

export interface GcPlan {
  readonly kept: { hash: string; bytes: number; reason: 'referenced' | 'young' }[];
  readonly removable: { hash: string; bytes: number; modifiedAt: string }[];
}

export async function planGc(
  store: PackStore,
  referenced: ReadonlySet<string>,
  options: { now: Date; retentionMs: number; graceMs?: number },
): Promise<GcPlan> {
  const kept: GcPlan['kept'] = [];
  const removable: GcPlan['removable'] = [];
  const cutoff = options.now.getTime() - Math.max(options.retentionMs, options.graceMs ?? GC_GRACE_MS);
  for await (const entry of store.list()) {
    if (referenced.has(entry.hash)) kept.push({ hash: entry.hash, bytes: entry.bytes, reason: 'referenced' });
    else if (entry.modifiedAt.getTime() > cutoff) kept.push({ hash: entry.hash, bytes: entry.bytes, reason: 'young' });
    else removable.push({ hash: entry.hash, bytes: entry.bytes, modifiedAt: entry.modifiedAt.toISOString() });
  }
  return { kept, removable };
}
