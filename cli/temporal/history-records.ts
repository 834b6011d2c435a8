/**
 * Reads what a governed job recorded out of its Temporal history: the RoleExecutionIdentity of each
 * model invocation (with the exact activity input, so the rendering can be reproduced), and each
 * swap's result. Used by `ctxpack replay` and `ctxpack show`.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { z } from 'zod';
import {
  ACTIVITY_CONTRACT,
  type ApplyToolCallsResult,
  type InvokeModelInput,
  type InvokeModelResult,
  type SwapPacksInput,
  type SwapPacksResult,
} from '../../shared/core/schema/activities.js';
import { parseOrThrow } from '../../shared/core/schema/parse.js';

type History = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
type Contract = typeof ACTIVITY_CONTRACT;
type WithResult = { [K in keyof Contract]: Contract[K] extends { result: z.ZodType } ? K : never }[keyof Contract];

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

function first(payloads: Payloads): unknown {
  const payload = payloads?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
}

/**
 * Completed activities of `type`, with their input and result parsed with the activity contract, in
 * history order. A recorded payload that does not match the contract is PackSchemaInvalid naming the
 * event and the field, never a value cast on trust.
 */
export function completedActivities<K extends WithResult>(
  history: History,
  type: K,
): { input: z.output<Contract[K]['input']>; result: z.output<Contract[K]['result']> }[] {
  const contract = ACTIVITY_CONTRACT[type];
  const scheduled = new Map<string, { type: string; input: unknown; eventId: string }>();
  const out: { input: z.output<Contract[K]['input']>; result: z.output<Contract[K]['result']> }[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs) {
      scheduled.set(String(event.eventId), { type: attrs.activityType?.name ?? '', input: first(attrs.input), eventId: String(event.eventId) });
      continue;
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (!done) continue;
    const origin = scheduled.get(String(done.scheduledEventId));
    const result = first(done.result);
    if (origin?.type !== type || origin.input === undefined || result === undefined) continue;
    out.push({
      input: parseOrThrow(contract.input, origin.input, `the recorded ${type} input (event ${origin.eventId})`) as z.output<Contract[K]['input']>,
      result: parseOrThrow(contract.result, result, `the recorded ${type} result (event ${String(event.eventId)})`) as z.output<Contract[K]['result']>,
    });
  }
  return out;
}

/**
 * Every model invocation, in history order. `result.tool_calls` are the final verdicts: those of the
 * workspace side that applied the response when it ran, else the model side's gate verdicts.
 */
export function invocations(history: History): InvocationRecord[] {
  const applied = new Map<string, ApplyToolCallsResult>();
  for (const { input, result } of completedActivities(history, 'applyToolCalls')) {
    applied.set(input.response_hash, result);
  }
  return completedActivities(history, 'invokeModel').map((record, index) => {
    const final = record.result.response_hash !== undefined ? applied.get(record.result.response_hash) : undefined;
    return { n: index + 1, input: record.input, result: final ? { ...record.result, tool_calls: final.tool_calls } : record.result };
  });
}

export function swaps(history: History): SwapRecord[] {
  return completedActivities(history, 'swapPacks');
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
  for (const { result } of completedActivities(history, 'bindPacks')) {
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
  for (const { result } of completedActivities(history, 'prepareInvocation')) {
    hashes.add(result.provider_snapshot_hash);
  }
  return hashes;
}
