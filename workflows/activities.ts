/**
 * How governed workflows call the plugin's activities: the retry policy (which failures are final),
 * timeouts, and workspace-affine routing. Also the small helpers every governed workflow needs to read
 * an activity failure. Deterministic: no I/O, clock or crypto.
 */
import * as wf from '@temporalio/workflow';
import type { GovernedJobActivities } from '../shared/core/schema/activities.js';
import { NON_RETRYABLE_TYPES } from '../shared/core/failures.js';

/**
 * Failure types the governed activities never retry, from the failure catalogue
 * (shared/core/failures.ts): a store outage or a provider's failure carries its own flag instead
 * (a timeout or 5xx is retried with backoff, a missing bucket or bad credentials are not).
 */
export const NON_RETRYABLE: readonly string[] = NON_RETRYABLE_TYPES;

// Activities heartbeat every 2 s (activities/failures.ts): a worker that dies mid-activity is noticed
// after the heartbeat timeout and the activity retried on another worker.
// Retryable failures (a worker lost, a store or provider outage) back off 1 s, 2 s, 4 s... up to 30 s:
// about four minutes in all before the job gives up.
const RETRY = { maximumAttempts: 10, maximumInterval: '30 seconds', nonRetryableErrorTypes: [...NON_RETRYABLE] } satisfies wf.RetryPolicy;
const WORKSPACE_SIDE = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry: RETRY } satisfies wf.ActivityOptions;
const MODEL_SIDE = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '10 seconds', retry: RETRY } satisfies wf.ActivityOptions;

/** The plugin's activities as a governed workflow calls them: workspace side and model side. */
export interface GovernedActivities {
  /** Assembly, swaps, checks, tool application and verification: on the workspace's queue. */
  readonly workspace: wf.ActivityInterfaceFor<GovernedJobActivities>;
  /** Model calls: on the workflow's own queue, where any worker with the pack store can take them. */
  readonly model: wf.ActivityInterfaceFor<GovernedJobActivities>;
}

/**
 * The plugin's activities for a workflow of your own. Workspace activities go to
 * `workspaceTaskQueue` when given (workspace-affine routing: conventionally
 * `workspaceTaskQueue(workspace_id)`); model calls always run on the workflow's own queue. Retries
 * back off up to 30 s, ten attempts; pack errors and governance refusals are never retried.
 */
export function governedActivities(workspaceTaskQueue?: string): GovernedActivities {
  return {
    workspace: wf.proxyActivities<GovernedJobActivities>({ ...WORKSPACE_SIDE, ...(workspaceTaskQueue !== undefined ? { taskQueue: workspaceTaskQueue } : {}) }),
    model: wf.proxyActivities<GovernedJobActivities>(MODEL_SIDE),
  };
}

/** The ApplicationFailure type behind an activity (or child workflow) failure, if any. */
export function failureType(err: unknown): string | undefined {
  let cause: unknown = err;
  // A child workflow's failure wraps the activity failure that ended it.
  while (cause instanceof wf.ActivityFailure || cause instanceof wf.ChildWorkflowFailure) cause = cause.cause;
  return cause instanceof wf.ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The message of the failure behind an activity (or child workflow) failure. */
export function failureText(err: unknown): string {
  let cause: unknown = err;
  while ((cause instanceof wf.ActivityFailure || cause instanceof wf.ChildWorkflowFailure) && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Inside the workflow sandbox `Date` is Temporal's deterministic workflow time (the time of the
 * current workflow task), replayed identically; it is not the host clock.
 */
export function workflowTime(): string {
  return new Date().toISOString();
}
