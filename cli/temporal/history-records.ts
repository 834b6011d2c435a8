/**
 * Reads what a governed job recorded out of its Temporal history: the RoleExecutionIdentity of each
 * model invocation (with the exact activity input, so the rendering can be reproduced), and each
 * swap's result. Used by `ctxpack replay` and `ctxpack show`.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type {
  ApplyToolCallsInput,
  ApplyToolCallsResult,
  InvokeModelInput,
  InvokeModelResult,
  PrepareInvocationResult,
  SwapPacksInput,
  SwapPacksResult,
} from '../../activities/types.js';

type History = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

export interface InvocationRecord {
  /** 1-based, in history order. */
  readonly n: number;
  readonly input: InvokeModelInput;
  readonly result: InvokeModelResult;
}

export interface SwapRecord {
  readonly input: SwapPacksInput;
  readonly result: SwapPacksResult;
}

function first<T>(payloads: Payloads): T | undefined {
  const payload = payloads?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
}

/** Completed activities of `type`, with their input and result, in history order. */
export function completedActivities<I, R>(history: History, type: string): { input: I; result: R }[] {
  const scheduled = new Map<string, { type: string; input: I | undefined }>();
  const out: { input: I; result: R }[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs) {
      scheduled.set(String(event.eventId), { type: attrs.activityType?.name ?? '', input: first<I>(attrs.input) });
      continue;
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const origin = scheduled.get(String(done.scheduledEventId));
    const result = first<R>(done.result);
    if (origin?.type === type && origin.input !== undefined && result !== undefined) out.push({ input: origin.input, result });
  }
  return out;
}

/**
 * Every model invocation, in history order. `result.tool_calls` are the final verdicts: those of the
 * workspace side that applied the response when it ran, else the model side's gate verdicts.
 */
export function invocations(history: History): InvocationRecord[] {
  const applied = new Map<string, ApplyToolCallsResult>();
  for (const { input, result } of completedActivities<ApplyToolCallsInput, ApplyToolCallsResult>(history, 'applyToolCalls')) {
    applied.set(input.response_hash, result);
  }
  return completedActivities<InvokeModelInput, InvokeModelResult>(history, 'invokeModel').map((record, index) => {
    const final = record.result.response_hash !== undefined ? applied.get(record.result.response_hash) : undefined;
    return { n: index + 1, input: record.input, result: final ? { ...record.result, tool_calls: final.tool_calls } : record.result };
  });
}

export function swaps(history: History): SwapRecord[] {
  return completedActivities<SwapPacksInput, SwapPacksResult>(history, 'swapPacks');
}

/**
 * Every stored artifact a governed job's history references: packs (bindings, swaps, invocations)
 * and the run artifacts beside them (provider snapshots, model responses).
 */
export function referencedPackHashes(history: History): Set<string> {
  const hashes = new Set<string>();
  const addBinding = (binding: { role_pack_hash: string; work_unit_pack_hash: string } | undefined) => {
    if (!binding) return;
    hashes.add(binding.role_pack_hash);
    hashes.add(binding.work_unit_pack_hash);
  };
  for (const { result } of completedActivities<unknown, { binding?: { role_pack_hash: string; work_unit_pack_hash: string } }>(history, 'bindPacks')) {
    addBinding(result.binding);
  }
  for (const record of swaps(history)) addBinding(record.result.binding);
  for (const record of invocations(history)) {
    hashes.add(record.result.identity.role_pack_hash);
    hashes.add(record.result.identity.work_unit_pack_hash);
    // Absent from histories recorded before run artifacts existed.
    if (record.input.provider_snapshot_hash) hashes.add(record.input.provider_snapshot_hash);
    if (record.result.response_hash) hashes.add(record.result.response_hash);
  }
  for (const { result } of completedActivities<unknown, PrepareInvocationResult>(history, 'prepareInvocation')) {
    hashes.add(result.provider_snapshot_hash);
  }
  return hashes;
}
