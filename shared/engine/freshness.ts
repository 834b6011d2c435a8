/**
 * Staleness and the freshness policy. A stored pack is stale when any of its sources' current hash
 * differs from the recorded one, compared by `source_id` (never by position).
 *
 * Policy `{regen_allowed, regen_required}` on a stale pack:
 * | regen_allowed | regen_required | outcome |
 * | true  | any   | rebuild -> `regenerated {old, new}`; if the rebuild fails: `ContextPackRegenFailed` when required, else `stale-fallback` |
 * | false | false | `stale-fallback` with marker `stale_pack:<hash>` (degraded) |
 * | false | true  | `ContextPackStale` with marker `regen_skipped:<hash>` |
 * `ContextPackRegenDenied` is for an explicit regeneration request (`force`) under `regen_allowed: false`.
 */
import { ContextPackRegenDenied, ContextPackRegenFailed, ContextPackStale, CtxPackError } from '../core/errors.js';
import type { Sha256 } from './hash.js';
import type { Source } from '../core/schema/common.js';
import type { FreshnessDecision, FreshnessPolicy, SourceChange } from '../core/schema/freshness.js';
import type { Workspace } from './workspace-fs.js';

export interface StalenessOptions {
  /** Current hash of an inline work unit (`work-unit:(inline)`), which has no file to re-read. */
  readonly inlineWorkUnitHash?: string;
}

/** The sources whose current hash differs from the recorded one, sorted by source_id. */
export async function findStaleSources(
  workspace: Workspace,
  sources: readonly Source[],
  options: StalenessOptions = {},
): Promise<SourceChange[]> {
  const changes: SourceChange[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    if (seen.has(source.source_id)) continue;
    seen.add(source.source_id);
    const now = await currentHash(workspace, source.source_id, options);
    if (now !== source.source_hash) changes.push({ source_id: source.source_id, was: source.source_hash, now });
  }
  return changes.sort((a, b) => (a.source_id < b.source_id ? -1 : a.source_id > b.source_id ? 1 : 0));
}

async function currentHash(workspace: Workspace, sourceId: string, options: StalenessOptions): Promise<string | null> {
  const path = sourceId.slice(sourceId.indexOf(':') + 1);
  if (sourceId === 'work-unit:(inline)') return options.inlineWorkUnitHash ?? null;
  if (!(await workspace.exists(path))) return null;
  return (await workspace.hashFile(path, sourceId)).sha256;
}

export interface FreshnessRequest {
  readonly packHash: Sha256;
  readonly changes: readonly SourceChange[];
  readonly policy: FreshnessPolicy;
  /** Rebuild from current sources; returns the new pack's hash. */
  readonly regenerate: () => Promise<Sha256>;
  /** Regenerate even when nothing changed (an explicit request). */
  readonly force?: boolean;
}

/** Applies the policy; see the table at the top of this file. */
export async function decideFreshness(request: FreshnessRequest): Promise<FreshnessDecision> {
  const { packHash, policy } = request;
  const changes = [...request.changes];
  if (request.force && !policy.regen_allowed) {
    throw new ContextPackRegenDenied(
      `regeneration of ${packHash} was requested but the freshness policy has regen_allowed: false`,
      'set regen_allowed: true in the job freshness policy, or do not request regeneration',
      { pack_hash: packHash, marker: `regen_skipped:${packHash}` },
    );
  }
  if (changes.length === 0 && !request.force) return { decision: 'fresh', pack_hash: packHash };
  const fallback = (): FreshnessDecision => ({
    decision: 'stale-fallback',
    pack_hash: packHash,
    marker: `stale_pack:${packHash}`,
    changes,
  });
  if (!policy.regen_allowed) {
    if (!policy.regen_required) return fallback();
    throw new ContextPackStale(
      `pack ${packHash} is stale (${describeChanges(changes)}) and the policy forbids regeneration`,
      'allow regeneration (regen_allowed: true), or rebuild the pack with ctxpack assemble and start the job with it',
      { pack_hash: packHash, marker: `regen_skipped:${packHash}`, changed: changes.map((c) => c.source_id) },
    );
  }
  try {
    const fresh = await request.regenerate();
    return { decision: 'regenerated', old: packHash, new: fresh, changes };
  } catch (err) {
    if (!policy.regen_required) return fallback();
    const cause = err instanceof CtxPackError ? `${err.code}: ${err.message}` : String(err);
    throw new ContextPackRegenFailed(
      `regenerating stale pack ${packHash} failed (${cause})`,
      err instanceof CtxPackError ? err.fix : 'fix the cause above and retry',
      { pack_hash: packHash, changed: changes.map((c) => c.source_id) },
    );
  }
}

function describeChanges(changes: readonly SourceChange[]): string {
  const shown = changes.slice(0, 3).map((c) => `${c.source_id} ${c.now === null ? 'removed' : 'changed'}`);
  return shown.join(', ') + (changes.length > 3 ? ` and ${changes.length - 3} more` : '');
}
