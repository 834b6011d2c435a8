/**
 * Trimming a payload to its token budget, in O(n log n) for n items.
 *
 * What counts against the budget is what the model reads: the payload as `payloadForModel` shows it,
 * where the items cut for the budget are one count (`coverage.budget_skipped`) instead of a list.
 * The pack itself lists every cut item in `coverage.skipped` (reason `budget`) for audit, outside
 * the budget; otherwise cutting an item would add a skipped entry that costs about as much as the
 * item and the trim would not converge.
 *
 * Each item's cost is measured once; the number of items to cut is estimated from those costs and
 * then settled with exact measurements of the kept payload only (a galloping then binary search:
 * O(log n) measurements, each of at most the budget plus one item). Token counts of concatenated
 * JSON are not exactly additive (separators, BPE merges across boundaries), hence the exact check.
 */
import { canonicalJson } from '../../core/canonical.js';
import { PackBudgetExceeded } from '../../core/errors.js';
import { brand } from '../../core/text/brand.js';
import { toSortedSet } from '../../core/schema/common.js';
import type { Anchor, ContextPayload, Skipped, SourceRef } from '../../core/schema/payload.js';
import type { SafeString } from '../../core/text/brand.js';
import { countTokens } from '../tokens.js';
import { payloadForModel } from './model-view.js';

export type ItemKind = 'fact' | 'constraint' | 'loop';

/** A payload item after duplicates were merged, with its content-hash id. */
export interface MergedItem {
  id: string;
  kind: ItemKind;
  text: SafeString;
  refs: SourceRef[];
  strength: 'hard' | 'soft';
  localOnly: boolean;
  /** Authored position, for cutting the last-authored first. */
  rank: number;
}

export type RankedAnchor = Anchor & { rank: number };

export { payloadForModel };

export function measurePayload(payload: ContextPayload): number {
  return countTokens(canonicalJson(payloadForModel(payload)));
}

export function toPayload(
  synopsis: SafeString,
  items: readonly MergedItem[],
  anchors: readonly RankedAnchor[],
  scanned: readonly string[],
  skipped: readonly Skipped[],
): ContextPayload {
  const shape = (item: MergedItem) => ({
    id: item.id,
    text: item.text,
    source_refs: item.refs,
    ...(item.localOnly ? { local_only: true as const } : {}),
  });
  const ofKind = (kind: ItemKind) => toSortedSet(items.filter((item) => item.kind === kind), (item) => item.id);
  return {
    synopsis,
    facts: ofKind('fact').map(shape),
    constraints: ofKind('constraint').map((item) => ({ ...shape(item), strength: item.strength })),
    open_loops: ofKind('loop').map(shape),
    anchors: anchors.map(({ rank: _rank, ...anchor }) => anchor),
    coverage: {
      scanned: [...new Set(scanned)].sort(),
      skipped: toSortedSet(skipped, (s) => `${s.ref}\u0000${s.reason}`),
    },
  };
}

type Removable = { type: 'anchor'; anchor: RankedAnchor } | { type: 'item'; item: MergedItem };

function skippedFor(entry: Removable): Skipped {
  return {
    ref: brand(entry.type === 'item' ? entry.item.id : `anchor:${entry.anchor.path}:${entry.anchor.start_line ?? 0}`),
    reason: 'budget',
  };
}

export function trimToBudget(
  synopsis: SafeString,
  items: readonly MergedItem[],
  anchors: readonly RankedAnchor[],
  scanned: readonly string[],
  skipped: readonly Skipped[],
  budget: number,
): { payload: ContextPayload; tokens: number } {
  const full = toPayload(synopsis, items, anchors, scanned, skipped);
  const fullTokens = measurePayload(full);
  if (fullTokens <= budget) return { payload: full, tokens: fullTokens };

  // Removal order: anchors, open loops, facts, soft constraints; last-authored first within each.
  const byRankDesc = <T extends { rank: number }>(list: readonly T[]) => [...list].sort((a, b) => b.rank - a.rank);
  const removable: Removable[] = [
    ...byRankDesc(anchors).map((anchor) => ({ type: 'anchor' as const, anchor })),
    ...(['loop', 'fact'] as const).flatMap((kind) =>
      byRankDesc(items.filter((item) => item.kind === kind)).map((item) => ({ type: 'item' as const, item })),
    ),
    ...byRankDesc(items.filter((item) => item.kind === 'constraint' && item.strength === 'soft')).map((item) => ({
      type: 'item' as const,
      item,
    })),
  ];
  const hard = items.filter((item) => item.kind === 'constraint' && item.strength === 'hard');

  /** The payload with the first `cut` removables gone, and its exact cost. */
  const attempt = (cut: number) => {
    const kept = removable.slice(cut);
    const payload = toPayload(
      synopsis,
      [...hard, ...kept.flatMap((entry) => (entry.type === 'item' ? [entry.item] : []))],
      kept.flatMap((entry) => (entry.type === 'anchor' ? [entry.anchor] : [])),
      scanned,
      [...skipped, ...removable.slice(0, cut).map(skippedFor)],
    );
    return { payload, tokens: measurePayload(payload) };
  };

  const floor = attempt(removable.length);
  if (floor.tokens > budget) {
    throw new PackBudgetExceeded(
      `the payload's synopsis and hard constraints alone take ${floor.tokens} tokens, over the payload budget (${budget})`,
      'raise budgets.payload_tokens in the role definition, or shorten the synopsis and hard constraints',
      { used: floor.tokens, limit: budget },
    );
  }

  // Estimate: keep the longest suffix of the removal order whose summed costs fit next to the floor.
  const cost = (entry: Removable) => countTokens(canonicalJson(entry.type === 'anchor' ? entry.anchor : entry.item)) + 1;
  let room = budget - floor.tokens;
  let estimate = removable.length;
  while (estimate > 0) {
    const next = cost(removable[estimate - 1] as Removable);
    if (next > room) break;
    room -= next;
    estimate -= 1;
  }

  // Settle on the smallest cut that fits. `fits(removable.length)` is known true, `fits(0)` false.
  const cache = new Map<number, ReturnType<typeof attempt>>([[removable.length, floor]]);
  const at = (cut: number) => {
    let result = cache.get(cut);
    if (!result) cache.set(cut, (result = attempt(cut)));
    return result;
  };
  let bad = 0; // largest cut known not to fit
  let good = removable.length; // smallest cut known to fit
  if (at(estimate).tokens <= budget) {
    good = estimate;
    for (let step = 1; good - step > bad; step *= 2) {
      const probe = good - step;
      if (at(probe).tokens <= budget) good = probe;
      else {
        bad = probe;
        break;
      }
    }
  } else {
    bad = estimate;
    for (let step = 1; bad + step < good; step *= 2) {
      const probe = bad + step;
      if (at(probe).tokens <= budget) {
        good = probe;
        break;
      }
      bad = probe;
    }
  }
  while (good - bad > 1) {
    const mid = (good + bad) >> 1;
    if (at(mid).tokens <= budget) good = mid;
    else bad = mid;
  }
  return at(good);
}
