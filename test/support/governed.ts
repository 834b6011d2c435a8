/** Helpers for running governed jobs on the test dev server with a real worker. */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { createActivities, type CreateActivitiesOptions, type InvokeModelInput, type InvokeModelResult } from '../../activities/index.js';
import type { GovernedJobInput, PackBinding, Seat, SwapRequest } from '../../shared/core/schema/governed-job.js';
import { governedJob, packState, type PackState } from '../../workflows/governed-job.js';
import { testTemporal, uniqueTaskQueue, withWorker } from './temporal.js';
import { copyExampleWorkspace, WORK_UNIT } from './workspace.js';

export const WORKSPACE_ID = 'demo';
export const TINY: Seat = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
export const BIG: Seat = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };
export const CLOUD: Seat = { role: 'coder', model: 'frontier-coder', provider: 'cloud-scripted' };

export interface JobSetup {
  readonly dir: string;
  readonly taskQueue: string;
  readonly workflowId: string;
  readonly activities: ReturnType<typeof createActivities>;
}

export async function setupJob(label: string, options: Partial<CreateActivitiesOptions> = {}): Promise<JobSetup> {
  const dir = await copyExampleWorkspace(label);
  const taskQueue = uniqueTaskQueue(label);
  return {
    dir,
    taskQueue,
    workflowId: `job-${label}-${randomUUID()}`,
    activities: createActivities({ workspaces: { [WORKSPACE_ID]: dir }, ...options }),
  };
}

/** Binds packs for `seat`'s role as the workflow does at job start (the seat's context window applies). */
export async function bindSeat(setup: JobSetup, seat: Seat = BIG): Promise<PackBinding> {
  const { binding } = await setup.activities.bindPacks({
    workspace_id: WORKSPACE_ID,
    work_unit: WORK_UNIT,
    role: seat.role,
    model: { model: seat.model, provider: seat.provider },
    freshness: { regen_allowed: true, regen_required: false },
  });
  return binding;
}

/** Binds for `seat`, then invokes it once on micro-task MT-7.1 (see {@link invokeOnce}). */
export async function bindAndInvoke(
  setup: JobSetup,
  seat: Seat,
  options: { readonly workflowId: string; readonly cloudConsent?: boolean },
): Promise<{ binding: PackBinding; result: InvokeModelResult }> {
  const binding = await bindSeat(setup, seat);
  const result = await invokeOnce(setup.activities, {
    workspace_id: WORKSPACE_ID,
    workflow_id: options.workflowId,
    run_id: 'run',
    micro_task: 'MT-7.1',
    iteration: 1,
    seat,
    binding,
    cloud_consent: options.cloudConsent ?? false,
  });
  return { binding, result };
}

/**
 * One model invocation as the workflow runs it, by direct activity calls: the workspace-side checks,
 * the model call, and (when the pack allows a tool call) applying it. Returns the invocation with
 * the final tool-call verdicts.
 */
export async function invokeOnce(
  activities: JobSetup['activities'],
  input: Omit<InvokeModelInput, 'provider_snapshot_hash'>,
): Promise<InvokeModelResult> {
  const prepared = await activities.prepareInvocation({
    workspace_id: input.workspace_id,
    seat: input.seat,
    binding: input.binding,
    cloud_consent: input.cloud_consent,
  });
  const invocation = await activities.invokeModel({ ...input, provider_snapshot_hash: prepared.provider_snapshot_hash });
  if (!invocation.tool_calls.some((call) => call.allowed)) return invocation;
  const applied = await activities.applyToolCalls({
    workspace_id: input.workspace_id,
    role_pack_hash: input.binding.role_pack_hash,
    response_hash: invocation.response_hash,
  });
  return { ...invocation, tool_calls: applied.tool_calls };
}

export function jobInput(seat: Seat = TINY, extra: Partial<GovernedJobInput> = {}): GovernedJobInput {
  return { workspace_id: WORKSPACE_ID, work_unit: WORK_UNIT, seat, ...extra };
}

export async function startJob(setup: JobSetup, input: GovernedJobInput): Promise<WorkflowHandle<typeof governedJob>> {
  const { client } = await testTemporal();
  return client.workflow.start(governedJob, {
    taskQueue: setup.taskQueue,
    workflowId: setup.workflowId,
    args: [input],
    staticSummary: `governed job ${WORK_UNIT}`,
    staticDetails: `started as **${input.seat.role}** on **${input.seat.model}** @ ${input.seat.provider}`,
  });
}

export function runWorker<T>(setup: JobSetup, body: () => Promise<T>): Promise<T> {
  // A short grace time: if a test fails while an activity waits on a gate, shutdown cancels it
  // instead of waiting for the gate that will never open.
  return withWorker({ taskQueue: setup.taskQueue, activities: setup.activities, shutdownGraceTime: '1s' }, body);
}

/** Polls the packState query until `predicate` holds (a worker must be running). */
export async function waitForState(
  handle: WorkflowHandle<Workflow>,
  predicate: (state: PackState) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<PackState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(packState).catch(() => undefined);
    if (state && predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`state never matched; last: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until an activity of `type` has started (e.g. a model call held at a gate). */
export async function waitForRunningActivity(handle: WorkflowHandle<typeof governedJob>, type: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    if (pending.some((a) => a.activityType?.name === type && a.lastStartedTime)) return;
    if (Date.now() > deadline) throw new Error(`${type} never started`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Adds a bullet to the Facts section of the example notes. */
export async function addFact(dir: string, text: string): Promise<void> {
  const file = path.join(dir, 'docs/notes/wp-7.md');
  await writeFile(file, (await readFile(file, 'utf8')).replace('## Facts\n', `## Facts\n- ${text}\n`));
}

/** Replaces the scripted provider's answers in a test workspace. */
export async function writeScript(dir: string, script: string): Promise<void> {
  await writeFile(path.join(dir, '.ctxpack/scripts/demo.yaml'), script);
}

/** Creates a gate file a `wait_for` rule is waiting on. */
export async function openGate(dir: string, name = 'go'): Promise<void> {
  await mkdir(path.join(dir, '.gate'), { recursive: true });
  await writeFile(path.join(dir, '.gate', name), 'open');
}

export function swap(seat: Seat, extra: Partial<SwapRequest> = {}): SwapRequest {
  return {
    request_id: `swap-${randomUUID()}`,
    target_role: seat.role,
    model: seat.model,
    provider: seat.provider,
    reason: 'swap',
    requester: 'test',
    ...extra,
  };
}

/** A script whose every answer waits for `.gate/go`, then passes verification. */
export const GATED_PASSING_SCRIPT = `schema_version: 1
responses:
  - when: { iteration: 1, micro_task: MT-7.1 }
    wait_for: .gate/go
    text: done
  - when: {}
    text: done
`;
