/**
 * Reads what a governed job recorded out of its Temporal history: the RoleExecutionIdentity of each
 * model invocation (with the exact activity input, so the rendering can be reproduced), and each
 * swap's result. Used by `ctxpack replay` and `ctxpack show`.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { InvokeModelInput, InvokeModelResult, SwapPacksInput, SwapPacksResult } from '../../activities/types.js';

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

export function invocations(history: History): InvocationRecord[] {
  return completedActivities<InvokeModelInput, InvokeModelResult>(history, 'invokeModel').map((record, index) => ({
    n: index + 1,
    ...record,
  }));
}

export function swaps(history: History): SwapRecord[] {
  return completedActivities<SwapPacksInput, SwapPacksResult>(history, 'swapPacks');
}

/** Every pack hash a governed job's history references (bindings, swaps, invocations). */
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
  }
  return hashes;
}
