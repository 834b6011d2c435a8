/**
 * The operator view of a governed workflow: the `packState` query (and its consistent-read Update),
 * the `ctxpack` memo, the `CtxPack*` search attributes and the Web UI's current details, all derived
 * from one PackState. The builders are pure functions; `installOperatorView` wires them into the
 * calling workflow with one call.
 */
import * as wf from '@temporalio/workflow';
import { CtxPackCloud, CtxPackHash, CtxPackModel, CtxPackProvider, CtxPackRole } from '../shared/core/search-attributes.js';
import type { PackState } from '../shared/core/schema/workflow-state.js';

/** The operator view: seat, packs, position, markers, swap log. */
export const packState = wf.defineQuery<PackState>('packState');
/** The same view, read after every handler already admitted has finished (a consistent read). */
export const readPackState = wf.defineUpdate<PackState>('readPackState');

type Bound = PackState & { readonly binding: NonNullable<PackState['binding']> };

/** The search attributes for a state: the working seat and its pack. */
export function operatorSearchAttributes(state: Bound) {
  return [
    { key: CtxPackRole, value: state.seat.role },
    { key: CtxPackModel, value: state.seat.model },
    { key: CtxPackProvider, value: state.seat.provider },
    { key: CtxPackHash, value: state.binding.work_unit_pack_hash },
    { key: CtxPackCloud, value: state.location === 'cloud' },
  ] as const;
}

/** The `ctxpack` memo: seat (and every seat of a multi-seat job), pack hashes, markers, swap log. */
export function operatorMemo(state: Bound) {
  return {
    ctxpack: {
      seat: state.seat,
      location: state.location,
      role_pack_hash: state.binding.role_pack_hash,
      work_unit_pack_hash: state.binding.work_unit_pack_hash,
      freshness_markers: state.binding.freshness_markers,
      cloud_consent: state.cloud_consent_record ?? (state.cloud_consent ? 'granted at start' : null),
      swaps_total: state.swaps_total,
      swap_log: state.swap_log.map((e) => ({
        at: e.at,
        request_id: e.request_id,
        reason: e.reason,
        outcome: e.outcome,
        to: `${e.to.role} ${e.to.model}@${e.to.provider}`,
        requested: e.requested_pack_hash ?? null,
        effective: e.effective_pack_hash ?? null,
        ...(e.rebuild_reasons ? { reasons: e.rebuild_reasons } : {}),
      })),
      ...(state.seats
        ? {
            seats: state.seats.map((s) => ({
              name: s.name,
              seat: `${s.seat.role} ${s.seat.model}@${s.seat.provider}`,
              location: s.location,
              role_pack_hash: s.binding.role_pack_hash,
              work_unit_pack_hash: s.binding.work_unit_pack_hash,
            })),
          }
        : {}),
    },
  };
}

/** Markdown for the Web UI's User Metadata tab. */
export function currentDetails(state: Bound): string {
  const { micro_task, index, of, iteration } = state.position;
  const position = micro_task !== null ? `micro-task ${micro_task} (${index + 1}/${of}), iteration ${iteration}` : `all ${of} micro-tasks done`;
  const lines = [
    `**${state.status}** · ${position}`,
    '',
    `- role **${state.seat.role}** ${state.binding.role_version} (${state.binding.governance_mode})`,
    `- model **${state.seat.model}** @ ${state.seat.provider} (${state.location})`,
    `- pack \`${state.binding.work_unit_pack_hash}\``,
    `- role pack \`${state.binding.role_pack_hash}\``,
    // Globs in code spans: `src/**` would otherwise render as bold.
    `- lock write: ${codeList(state.binding.lock_set.write)}; deny: ${codeList(state.binding.lock_set.deny)}`,
    `- last decision: ${state.last_decision ?? '-'}`,
  ];
  for (const s of state.seats ?? []) {
    lines.push(`- seat **${s.name}**: ${s.seat.role} ${s.binding.role_version} on ${s.seat.model}@${s.seat.provider}, pack \`${s.binding.work_unit_pack_hash}\``);
  }
  return lines.join('\n');
}

function codeList(values: readonly string[]): string {
  return values.length > 0 ? values.map((v) => `\`${v}\``).join(', ') : '(none)';
}

/** What `installOperatorView` gives back. */
export interface OperatorView {
  /**
   * At a milestone (packs bound, an invocation about to start, the job passed or failed): upserts
   * memo and search attributes when what each says changed (each upsert is a history event), and
   * refreshes current details (not history). Does nothing before packs are bound.
   */
  publish(): void;
  /**
   * Between milestones (a swap, an escalation, rebuilt packs, a consent grant): refreshes current
   * details and the `packState` answers at once; memo and search attributes follow at the next
   * {@link publish}, so five swaps during one model call cost no history event until the next
   * invocation starts (which is also when the new seat is first used). Histories recorded before
   * {@link MILESTONE_PATCH} keep their old behaviour: an upsert of both on every change.
   */
  refresh(): void;
}

/**
 * The patch that moved memo and search attribute upserts from every change to milestones. Every
 * visibility write is a history event and a write on the server: under load (200 jobs, 5 swaps
 * each) the two per swap were the largest cost a swap had over a bare Update.
 */
export const MILESTONE_PATCH = 'ctxpack-operator-view-at-milestones';

/**
 * Installs the operator view in the calling workflow: the `packState` query and `readPackState`
 * Update answer `read()`; `publish()` and `refresh()` keep memo, search attributes and current
 * details in step. Call it once, at the top of the workflow, with the other handlers.
 */
export function installOperatorView(read: () => PackState): OperatorView {
  wf.setHandler(packState, read);
  wf.setHandler(readPackState, read);
  const atMilestones = wf.patched(MILESTONE_PATCH);
  let lastPublished: string | undefined;
  let lastAttributes: string | undefined;
  let lastMemo: string | undefined;
  const publish = (): void => {
    const state = read();
    if (state.binding === null) return;
    const bound = state as Bound;
    const attributes = operatorSearchAttributes(bound);
    const memo = operatorMemo(bound);
    if (atMilestones) {
      // Each upsert is a history event: each is written only when what it says changed.
      const attributesJson = JSON.stringify(attributes);
      const memoJson = JSON.stringify(memo);
      if (attributesJson !== lastAttributes) {
        lastAttributes = attributesJson;
        wf.upsertSearchAttributes([...attributes]);
      }
      if (memoJson !== lastMemo) {
        lastMemo = memoJson;
        wf.upsertMemo(memo);
      }
    } else {
      // Before the patch: both upserts whenever either changed (kept for recorded histories).
      const published = JSON.stringify({ attributes, memo });
      if (published !== lastPublished) {
        lastPublished = published;
        wf.upsertSearchAttributes([...attributes]);
        wf.upsertMemo(memo);
      }
    }
    wf.setCurrentDetails(currentDetails(bound));
  };
  return {
    publish,
    refresh() {
      if (!atMilestones) return publish();
      const state = read();
      if (state.binding !== null) wf.setCurrentDetails(currentDetails(state as Bound));
    },
  };
}
