/**
 * The workflows the benchmarks run: the governed job itself, and the baseline for swap latency (an
 * Update that runs one no-op activity and returns, with nothing else in the way).
 */
import * as wf from '@temporalio/workflow';

export * from '../../workflows/index.js';

export const noopUpdate = wf.defineUpdate<number, [number]>('noopUpdate');
export const finish = wf.defineSignal('finish');

const { noop } = wf.proxyActivities<{ noop(n: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

/** Answers every `noopUpdate` by running the `noop` activity once; ends on `finish`. */
export async function updateBaseline(): Promise<void> {
  let done = false;
  wf.setHandler(noopUpdate, (n) => noop(n));
  wf.setHandler(finish, () => {
    done = true;
  });
  await wf.condition(() => done && wf.allHandlersFinished());
}
