/**
 * secretlint's always-on profiler keeps nothing: in this (deduplicated) install its marks are turned
 * off, and where that cannot be done the fallback empties it after every call. Either way a
 * long-running worker's timeline and the profiler's lists stay empty of secretlint's marks, and
 * marks the user's own code makes are left alone.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../../../shared/engine/redact/index.js';
import {
  markingOff,
  oneAtATimeWithCleanUp,
  PROFILER_OFF,
  type Profiler,
} from '../../../../shared/engine/redact/secretlint-profiler.js';

const coreMarks = (): number =>
  performance.getEntriesByType('mark').filter((entry) => entry.name.startsWith('@core>')).length;

const lint = (text: string) =>
  lintSource({
    source: { filePath: 'profiler-test', ext: '', content: text, contentType: 'text' },
    options: { config: { rules: [] } },
  });

describe("secretlint's profiler", () => {
  it('is turned off in a deduplicated install: redaction leaves no mark anywhere', async () => {
    expect(PROFILER_OFF).toBe(true);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => redactSecrets(`line ${i} token=ghp_${'a1'.repeat(18)}`)));
    expect(results.every((result) => result.findings.length === 1)).toBe(true);
    await nextTurn();
    expect(coreMarks()).toBe(0);
    expect(await secretLintProfiler.getEntries()).toHaveLength(0);
    expect(await secretLintProfiler.getMeasures()).toHaveLength(0);
  });

  it("empties the profiler's lists of marks other code makes, and leaves those marks on the timeline", async () => {
    performance.mark('users-own-mark');
    await nextTurn();
    await redactSecrets('after a mark of the user');
    await nextTurn();
    expect(await secretLintProfiler.getEntries()).toHaveLength(0);
    expect(performance.getEntriesByName('users-own-mark', 'mark')).toHaveLength(1);
    performance.clearMarks('users-own-mark');
  });

  it('falls back to one call at a time with a clean-up after each, which keeps nothing either', async () => {
    const profiler = secretLintProfiler as Profiler;
    // Give core its marks back (the no-op is an own property over the prototype's method).
    expect(Reflect.deleteProperty(profiler, 'mark')).toBe(true);
    try {
      await lint('marks are recorded again');
      expect(coreMarks()).toBeGreaterThan(0);
      const exclusive = oneAtATimeWithCleanUp(profiler);
      let running = 0;
      let overlapped = false;
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          exclusive(async () => {
            running += 1;
            overlapped ||= running > 1;
            const result = await lint(`line ${i}`);
            running -= 1;
            return result;
          }),
        ),
      );
      await exclusive(() => lint('last'));
      await nextTurn();
      await nextTurn();
      expect(overlapped).toBe(false);
      // Only the last call's marks can be left, until the next clean-up (about 36 per call).
      expect(coreMarks()).toBeLessThan(100);
      expect((await profiler.getEntries()).length).toBeLessThan(100);
    } finally {
      markingOff(profiler);
    }
    await nextTurn();
    await lint('off again');
    expect(coreMarks()).toBe(0);
    for (const name of new Set(performance.getEntriesByType('mark').map((entry) => entry.name))) {
      if (name.startsWith('@core>')) performance.clearMarks(name);
    }
  });
});
