/**
 * The activity boundary: a CtxPackError becomes a non-retryable ApplicationFailure whose `type` is the
 * error's stable code, with its fix and secret-free details. Anything else stays retryable.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CtxPackError } from '../shared/errors.js';

export function toFailure(err: unknown): unknown {
  if (err instanceof CtxPackError) {
    return ApplicationFailure.create({
      message: `${err.message} (fix: ${err.fix})`,
      type: err.code,
      nonRetryable: true,
      details: [err.details],
    });
  }
  return err;
}

/** Runs `body`, converting pack errors at the boundary. */
export async function atBoundary<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err);
  }
}

/** A governance refusal (RT-ROLE-001, RT-SWAP-001, consent): never retried, nothing sent to a model. */
export function refusal(type: string, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: [details] });
}
