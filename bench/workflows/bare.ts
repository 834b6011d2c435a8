/**
 * The bare baseline for the scale rows (bench/targets/scale.ts): a plain Temporal workflow with the
 * governed job's shape and none of its code. It runs the same activities in the same order with
 * payloads of the same sizes (the shape is read from a real governed job's history), holds the same
 * step at the same gate, and answers each swap Update with one activity of a swap's payload sizes.
 * Bundled on its own: no zod, no plugin modules, nothing the bare worker would not have.
 */
import * as wf from '@temporalio/workflow';

/** One activity of the shape: its type in the governed job, and the bytes in and out. */
export interface BareStep {
  readonly type: string;
  readonly input: number;
  readonly output: number;
  /** The step the governed job holds at the gate (its first model call). */
  readonly hold?: boolean;
}

export interface BareShape {
  readonly steps: readonly BareStep[];
  /** The swap activity's payload sizes. */
  readonly swap: { readonly input: number; readonly output: number };
}

export interface BareActivities {
  noop(payload: string, outputBytes: number): Promise<string>;
  /** Waits for the gate file like the scripted provider's `wait_for`, then answers like `noop`. */
  hold(payload: string, outputBytes: number): Promise<string>;
}

export const bareSwap = wf.defineUpdate<string, [string]>('bareSwap');
/** The index of the step running now (the bench waits until every job is at its held step). */
export const bareStep = wf.defineQuery<number>('bareStep');

const { noop, hold } = wf.proxyActivities<BareActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '10 seconds' });

export async function bareJob(shape: BareShape): Promise<number> {
  let step = 0;
  let swaps = 0;
  wf.setHandler(bareStep, () => step);
  wf.setHandler(bareSwap, async (payload) => {
    swaps += 1;
    return noop(payload, shape.swap.output);
  });
  for (; step < shape.steps.length; step += 1) {
    const s = shape.steps[step] as BareStep;
    await (s.hold ? hold : noop)('x'.repeat(s.input), s.output);
  }
  await wf.condition(wf.allHandlersFinished);
  return swaps;
}
