/**
 * Keeps secretlint's always-on profiler out of redaction.
 *
 * `@secretlint/core` 11 records about 36 marks on Node's global performance timeline for every
 * `lintSource` call and keeps each one in an in-process profiler that nothing ever empties; each new
 * mark is also compared against all earlier ones. In a long-running worker that is a leak (about
 * 15 KB per call) and a quadratic slowdown: 5,000 back-to-back calls took 77 s and the next 5,000
 * took 449 s. Node also warns once the timeline passes a million entries. Upstream made the profiler
 * opt-in in secretlint 13 (secretlint/secretlint#1633), which needs Node 22; this package supports
 * Node 20, so it stays on 11.
 *
 * The profiler is a module singleton. When the copy this package resolves is the one core resolves
 * (a deduplicated install, the normal case), its `mark` is replaced by a no-op: core then records
 * nothing, and redaction calls run side by side without waiting on a clean-up. Nothing reads the
 * marks but secretlint's own CLI (`--profile`), which this package does not run.
 *
 * Otherwise (another copy, or a bundle where the two cannot be told apart) calls run one at a time,
 * and after each one the profiler is allowed to finish its measurements and is then emptied.
 * Emptying only while no call is in flight matters: the profiler measures between marks a turn
 * later, and removing a mark it still needs would throw inside a promise nobody handles.
 */
import { createRequire } from 'node:module';
import { performance, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { secretLintProfiler } from '@secretlint/profiler';

/** Everything `@secretlint/core` marks starts with this. */
const CORE_PREFIX = '@core>';

/** What this module relies on of secretlint's profiler (11.x). */
export interface Profiler {
  mark(marker: unknown): void;
  getEntries(): Promise<PerformanceEntry[]>;
  getMeasures(): Promise<PerformanceEntry[]>;
}

/** Runs a secretlint call under one of the two regimes above. */
export type Exclusive = <T>(task: () => Promise<T>) => Promise<T>;

/** True when `@secretlint/core` imports the same profiler file as this module does. */
function coreSharesProfiler(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const ours = require.resolve('@secretlint/profiler');
    const cores = createRequire(require.resolve('@secretlint/core')).resolve('@secretlint/profiler');
    return ours === cores;
  } catch {
    return false;
  }
}

function noMark(): void {
  // secretlint's profiler, turned off: see the module comment.
}

/** Empties the profiler's own lists (after awaiting its pending measures). */
async function emptyLists(profiler: Profiler): Promise<void> {
  try {
    (await profiler.getEntries()).length = 0;
    (await profiler.getMeasures()).length = 0;
  } catch {
    // Best effort: a failed clean-up must not fail redaction.
  }
}

/**
 * Turns `profiler`'s marks off; afterwards calls need no ordering. Its observer still collects
 * marks other code in the process makes, so its lists are emptied after each call, as before.
 */
export function markingOff(profiler: Profiler): Exclusive {
  Object.defineProperty(profiler, 'mark', { value: noMark, configurable: true, writable: true });
  return (task) => {
    const result = task();
    result.then(
      () => emptyLists(profiler),
      () => emptyLists(profiler),
    );
    return result;
  };
}

async function cleanUp(profiler: Profiler | undefined): Promise<void> {
  try {
    // The profiler's observer runs a turn after the marks, then measures in microtasks.
    await nextTurn();
    if (profiler) await emptyLists(profiler);
    for (const type of ['mark', 'measure'] as const) {
      const names = new Set(
        performance
          .getEntriesByType(type)
          .map((entry) => entry.name)
          .filter((name) => name.startsWith(CORE_PREFIX)),
      );
      for (const name of names) {
        if (type === 'mark') performance.clearMarks(name);
        else performance.clearMeasures(name);
      }
    }
  } catch {
    // Best effort: a failed clean-up must not fail redaction or block the queue.
  }
}

/** The fallback: each call after every earlier one has finished and been cleaned up after. */
export function oneAtATimeWithCleanUp(profiler: Profiler | undefined): Exclusive {
  let queue: Promise<void> = Promise.resolve();
  return (task) => {
    const result = queue.then(task);
    queue = result.then(
      () => cleanUp(profiler),
      () => cleanUp(profiler),
    );
    return result;
  };
}

const profiler: Profiler | undefined =
  typeof secretLintProfiler?.mark === 'function' ? (secretLintProfiler as Profiler) : undefined;

/** Whether core's profiler was turned off here (false: the fallback is in use). */
export const PROFILER_OFF = profiler !== undefined && coreSharesProfiler();

/** Runs `task` (a secretlint call) so that secretlint's profiler keeps nothing. */
export const runExclusive: Exclusive = PROFILER_OFF && profiler ? markingOff(profiler) : oneAtATimeWithCleanUp(profiler);
