/**
 * The benchmark's target interface. A target measures one thing against a baseline taken in the same
 * run and returns one {@link BenchResult} per figure it reports; `bench/targets/index.ts` lists them.
 */

/** One row of the report (and of `bench/results/latest.json`). */
export interface BenchResult {
  /** Stable id, e.g. `canonical-hash`; `--only` selects by it. */
  readonly id: string;
  readonly title: string;
  /** The measured figure: a median, or a ratio of medians measured in the same run. */
  readonly value: number;
  /** Unit of `value`, e.g. `x` for a ratio, `MB` (10^6 bytes). */
  readonly unit: string;
  /** The target as written in the report, e.g. `<= 1.5x`. */
  readonly target: string;
  /** What the value is compared with: the baseline, its measured figure, and how to rerun it. */
  readonly baseline: string;
  readonly met: boolean;
  /** Commands to rerun the baseline (and the subject) by hand. */
  readonly rerun?: readonly string[];
  /** Supporting figures (medians in ms, MB/s, counts) and notes. */
  readonly details?: Readonly<Record<string, number | string>>;
}

export interface BenchContext {
  /** `--quick`: fewer repetitions and smaller inputs; figures are a smoke test, not a measurement. */
  readonly quick: boolean;
  /** Repetitions for a figure: `fast` for things that take milliseconds, `slow` for seconds. */
  repeats(kind: 'fast' | 'slow'): number;
  /** False when `--only` left this result id out: skip measuring it. */
  wants(resultId: string): boolean;
  /** A temporary folder for generated inputs, deleted when the run ends. */
  readonly scratch: string;
  /** A value created once per run and shared between targets (e.g. the scaled workspace). */
  shared<T>(key: string, create: () => Promise<T>): Promise<T>;
  /** Progress, on stderr. */
  log(message: string): void;
}

export interface BenchTarget {
  /** Target id (also accepted by `--only`). */
  readonly id: string;
  readonly title: string;
  /** Ids of the results it can produce. */
  readonly results: readonly string[];
  run(ctx: BenchContext): Promise<BenchResult[]>;
}
