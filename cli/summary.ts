/** The compact operator summary of a governed job, for `ctxpack show` and the demo. */
import { shortHash } from '../shared/engine/hash.js';
import type { PackState } from '../workflows/governed-job.js';
import { printTable } from './output.js';

export function summaryRows(state: PackState, options: { full?: boolean } = {}): [string, string][] {
  const hash = (h: string | undefined) => (h === undefined ? '-' : options.full ? h : shortHash(h));
  const binding = state.binding;
  const position = state.position;
  const rows: [string, string][] = [
    ['status', state.status],
    ['role', binding ? `${state.seat.role} ${binding.role_version} (governance ${binding.governance_mode})` : state.seat.role],
    ['model', `${state.seat.model} @ ${state.seat.provider}`],
    ['cloud tier', state.location === 'cloud' ? `in use (${state.cloud_tier ?? 'cloud'})` : 'not in use (local)'],
    ['pack hash', hash(binding?.work_unit_pack_hash)],
    ['role pack', hash(binding?.role_pack_hash)],
    ['lock: write', binding?.lock_set.write.join(', ') || '(none)'],
    ['lock: read', binding?.lock_set.read.join(', ') || '(none)'],
    ['lock: deny', binding?.lock_set.deny.join(', ') || '(none)'],
    [
      'position',
      position.micro_task === null
        ? `all ${position.of} micro-tasks done`
        : `micro-task ${position.micro_task} (${position.index + 1}/${position.of}), iteration ${position.iteration}`,
    ],
    ['freshness', [state.freshness?.decision ?? '-', ...(binding?.freshness_markers ?? [])].join(' ')],
    ['last decision', state.last_decision ?? '-'],
    ['invocations', String(state.invocations)],
    ['swaps', String(state.swaps_total)],
  ];
  return rows;
}

/** One row per seat of a job with several (orchestrator, coder, validator). */
export function seatRows(state: PackState, options: { full?: boolean } = {}): [string, string][] {
  const hash = (h: string) => (options.full ? h : shortHash(h));
  return (state.seats ?? []).map((s) => [
    `seat ${s.name}`,
    `${s.seat.role} ${s.binding.role_version} on ${s.seat.model} @ ${s.seat.provider} (${s.location}), pack ${hash(s.binding.work_unit_pack_hash)}, role pack ${hash(s.binding.role_pack_hash)}, write: ${s.binding.lock_set.write.join(', ') || '(none)'}`,
  ]);
}

export function printSummary(state: PackState, options: { full?: boolean } = {}): void {
  printTable([...summaryRows(state, options), ...seatRows(state, options)]);
  if (state.swap_log.length === 0) return;
  process.stdout.write('\nswap log\n');
  const hash = (h: string | undefined) => (h === undefined ? '-' : options.full ? h : shortHash(h));
  for (const entry of state.swap_log) {
    const reasons = entry.rebuild_reasons?.length ? ` (${entry.rebuild_reasons.join(', ')})` : '';
    const hashes = entry.outcome === 'rejected' ? (entry.error ?? '') : `${hash(entry.requested_pack_hash)} -> ${hash(entry.effective_pack_hash)}${reasons}`;
    process.stdout.write(
      `  ${entry.at}  ${entry.reason.padEnd(10)} ${entry.via.padEnd(8)} ${`${entry.to.model}@${entry.to.provider}`.padEnd(30)} ${entry.outcome.padEnd(8)} ${hashes}\n`,
    );
  }
}
