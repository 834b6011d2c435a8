/**
 * Keeps secretlint's always-on profiler from growing without bound.
 *
 * `@secretlint/core` records about 36 marks on Node's global performance timeline for every
 * `lintSource` call and keeps each one in an in-process profiler that nothing ever empties; each new
 * mark is also compared against all earlier ones. In a long-running worker that is a leak (about
 * 15 KB per call) and a quadratic slowdown: 5,000 back-to-back calls took 77 s and the next 5,000
 * took 449 s. Node also warns once the timeline passes a million entries.
 *
 * So calls run one at a time (they are synchronous CPU work, so nothing is lost), and after each one
 * the profiler is allowed to finish its measurements and is then emptied. Emptying only while no
 * call is in flight matters: the profiler measures between marks a turn later, and removing a mark
 * it still needs would throw inside a promise nobody handles.
 */
import { performance, type PerformanceEntry } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Everything `@secretlint/core` marks starts with this. */
const CORE_PREFIX = '@core>';

interface Profiler {
  getEntries(): Promise<PerformanceEntry[]>;
  getMeasures(): Promise<PerformanceEntry[]>;
}

let profiler: Promise<Profiler | undefined> | undefined;

/**
 * The profiler instance `@secretlint/core` uses (a module singleton). It is core's own dependency,
 * not this package's, so its absence only turns the clean-up off.
 */
function loadProfiler(): Promise<Profiler | undefined> {
  profiler ??= import('@secretlint/profiler').then(
    (module) => module.secretLintProfiler,
    () => undefined,
  );
  return profiler;
}

async function cleanUp(): Promise<void> {
  try {
    // The profiler's observer runs a turn after the marks, then measures in microtasks.
    await nextTurn();
    const instance = await loadProfiler();
    if (instance) {
      // Both return the profiler's own arrays (after awaiting pending measures); empty them in place.
      (await instance.getEntries()).length = 0;
      (await instance.getMeasures()).length = 0;
    }
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

let queue: Promise<void> = Promise.resolve();

/** Runs `task` (a secretlint call) after every earlier one has finished and been cleaned up after. */
export function runExclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task);
  queue = result.then(cleanUp, cleanUp);
  return result;
}
