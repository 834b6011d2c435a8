/**
 * The activity boundary: a CtxPackError becomes an ApplicationFailure whose `type` is the error's
 * stable code, with its fix and secret-free details. It is non-retryable unless the error says
 * `details.retryable: true` (a store outage that may pass: network, timeout, 5xx), which the activity
 * retry policy then retries with backoff. Anything else stays retryable.
 */
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CtxPackError } from '../shared/core/errors.js';
import { failureSpec, type FailureCode } from '../shared/core/failures.js';

export function toFailure(err: unknown): unknown {
  if (err instanceof CtxPackError) {
    return withoutFrames(
      ApplicationFailure.create({
        message: `${err.message} (fix: ${err.fix})`,
        type: err.code,
        // The catalogue decides; a `by-cause` failure (a store outage) says so itself.
        nonRetryable: failureSpec(err.code)?.retryable !== 'by-cause' || err.details['retryable'] !== true,
        details: [err.details],
      }),
    );
  }
  return err;
}

/** How often a running activity tells the server it is alive. */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Runs `body`, converting pack errors at the boundary and heartbeating meanwhile, so that when a
 * worker dies mid-activity the server notices within the heartbeat timeout and retries elsewhere,
 * instead of waiting out the whole start-to-close timeout.
 */
export async function atBoundary<T>(body: () => Promise<T>): Promise<T> {
  const beat = inActivity() ? setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS) : undefined;
  try {
    return await body();
  } catch (err) {
    throw toFailure(err);
  } finally {
    if (beat) clearInterval(beat);
  }
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

/** A governance refusal (RT-ROLE-001, RT-SWAP-001, consent): never retried, nothing sent to a model. */
export function refusal(type: FailureCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return withoutFrames(ApplicationFailure.create({ message, type, nonRetryable: true, details: [details] }));
}

/**
 * Typed failures are expected outcomes, not bugs: their stack frames would only put the worker's
 * install paths (host paths) into workflow history.
 */
function withoutFrames(failure: ApplicationFailure): ApplicationFailure {
  failure.stack = `${failure.name}: ${failure.message}`;
  return failure;
}
