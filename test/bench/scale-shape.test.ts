/**
 * The scale rows' baseline is only as fair as its shape: the bare workflow must run what the governed
 * job runs (same activities, order and payload sizes, the same step held). Checked on a recorded
 * governed history; and the growth chart is a well-formed SVG with every point drawn.
 */
import { readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { growthChart } from '../../bench/support/chart.js';
import { shapeOf, type ScalePoint } from '../../bench/targets/scale.js';

async function recorded(name: string) {
  return historyFromJSON(JSON.parse(await readFile(new URL(`../fixtures/histories/${name}.json`, import.meta.url), 'utf8')));
}

describe('the bare baseline shape', () => {
  it('copies the governed job\'s activities in order, with payload sizes, the first model call held and the swap apart', async () => {
    const history = await recorded('job-with-swaps');
    const shape = shapeOf(history);
    const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    expect(shape.steps.map((s) => s.type)).toEqual(scheduled.filter((t) => t !== 'swapPacks'));
    expect(shape.steps.filter((s) => s.hold).map((s) => s.type)).toEqual(['invokeModel']);
    expect(shape.steps.findIndex((s) => s.hold)).toBe(shape.steps.findIndex((s) => s.type === 'invokeModel'));
    for (const step of shape.steps) expect(step.input).toBeGreaterThan(0);
    expect(Math.max(...shape.steps.map((s) => s.output))).toBeGreaterThan(1000);
    expect(shape.swap.input).toBeGreaterThan(500);
    expect(shape.swap.output).toBeGreaterThan(500);
  });

  it('refuses a history without a swap (no fair swap baseline)', async () => {
    const history = await recorded('job-with-swaps');
    const noSwap = { ...history, events: (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name !== 'swapPacks') };
    expect(() => shapeOf(noSwap)).toThrow(/no swap/);
  });
});

describe('the growth chart', () => {
  it('draws three panels with a line per series and a marker per point', () => {
    const points: ScalePoint[] = [10, 50, 100, 200].flatMap((jobs) =>
      (['ours', 'bare'] as const).map((kind) => ({
        kind,
        jobs,
        idle_rss_mb: 150,
        peak_rss_mb: jobs * (kind === 'ours' ? 3 : 1.5) + 150,
        bound_rss_mb: 200,
        swapped_rss_mb: 250,
        end_rss_mb: 250,
        swap_p50_ms: jobs * 10,
        swap_p99_ms: jobs * 20,
        iterations_per_s: 10,
        wft_max_ms: 100,
        wft_p99_ms: 50,
        wft_max_all_ms: 300,
      })),
    );
    const svg = growthChart(points);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(8); // RSS 2, latency 4, throughput 2
    expect(svg.match(/<circle /g)).toHaveLength(8 * 4);
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
