/** Medians and interleaved timing: the machines are shared and noisy, so nothing is a single run. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Contender {
  readonly name: string;
  /** Untimed preparation before each timed run (e.g. dropping a cache). */
  readonly before?: () => unknown;
  /** The timed work. */
  readonly run: () => unknown;
}

/**
 * Times every contender `repeats` times, interleaved (repeat i runs them rotated by i, so none
 * always goes first), after one untimed warm-up each. Returns each contender's times in ms.
 */
export async function interleaved(repeats: number, contenders: readonly Contender[]): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) {
    await contender.before?.();
    await contender.run();
  }
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    for (let k = 0; k < contenders.length; k += 1) {
      const contender = contenders[(repeat + k) % contenders.length] as Contender;
      await contender.before?.();
      const start = performance.now();
      await contender.run();
      (times[contender.name] as number[]).push(performance.now() - start);
    }
  }
  return times;
}

/** Rounds for the report: 4 significant digits. */
export function round(value: number): number {
  return Number(value.toPrecision(4));
}

/** 10^6 bytes per second. */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** The nearest-rank percentile `p` (0-100] of `values`; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}
