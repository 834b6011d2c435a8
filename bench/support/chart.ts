/**
 * The growth chart (bench/results/growth.svg): three panels against N concurrent jobs (peak RSS,
 * swap p50/p99, throughput), ours and the bare worker's. Plain SVG text: no plotting library and no
 * browser needed, and the file diffs readably in review.
 */
import type { ScalePoint } from '../targets/scale.js';

interface Series {
  readonly label: string;
  readonly color: string;
  readonly dash: boolean;
  readonly points: readonly (readonly [number, number])[];
}

const W = 300;
const H = 220;
const PAD = { left: 56, right: 12, top: 28, bottom: 40 };

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(x0: number, title: string, unit: string, xs: readonly number[], series: readonly Series[]): string {
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map(([, y]) => y))));
  const px = (x: number) => x0 + PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const py = (y: number) => PAD.top + (1 - y / yMax) * (H - PAD.top - PAD.bottom);
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${escape(title)}</text>`);
  out.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#444"/>`);
  out.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#444"/>`);
  for (let i = 0; i <= 4; i += 1) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${px(0)}" y1="${py(y)}" x2="${px(xMax)}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${px(0) - 4}" y="${py(y) + 4}" text-anchor="end">${Number(y.toPrecision(3))}</text>`);
  }
  for (const x of xs) out.push(`<text x="${px(x)}" y="${py(0) + 14}" text-anchor="middle">${x}</text>`);
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">concurrent jobs (${escape(unit)})</text>`);
  series.forEach((s, i) => {
    const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,4"' : ''}/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    out.push(`<text x="${px(0) + 8}" y="${PAD.top + 12 + i * 13}" fill="${s.color}">${escape(s.label)}</text>`);
  });
  return out.join('\n');
}

/** The SVG document for a set of growth points (both kinds, several N). */
export function growthChart(points: readonly ScalePoint[]): string {
  const xs = [...new Set(points.map((p) => p.jobs))].sort((a, b) => a - b);
  const of = (kind: ScalePoint['kind'], pick: (p: ScalePoint) => number) =>
    points.filter((p) => p.kind === kind).sort((a, b) => a.jobs - b.jobs).map((p) => [p.jobs, pick(p)] as const);
  const OURS = '#1f6feb';
  const BARE = '#d1242f';
  const panels = [
    panel(0, 'Worker peak RSS', 'MB', xs, [
      { label: 'ours', color: OURS, dash: false, points: of('ours', (p) => p.peak_rss_mb) },
      { label: 'bare', color: BARE, dash: true, points: of('bare', (p) => p.peak_rss_mb) },
    ]),
    panel(W, 'Swap latency', 'ms', xs, [
      { label: 'ours p50', color: OURS, dash: false, points: of('ours', (p) => p.swap_p50_ms) },
      { label: 'ours p99', color: '#8250df', dash: false, points: of('ours', (p) => p.swap_p99_ms) },
      { label: 'bare p50', color: BARE, dash: true, points: of('bare', (p) => p.swap_p50_ms) },
      { label: 'bare p99', color: '#bc4c00', dash: true, points: of('bare', (p) => p.swap_p99_ms) },
    ]),
    panel(2 * W, 'Throughput', 'iterations/s', xs, [
      { label: 'ours', color: OURS, dash: false, points: of('ours', (p) => p.iterations_per_s) },
      { label: 'bare', color: BARE, dash: true, points: of('bare', (p) => p.iterations_per_s) },
    ]),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * W}" height="${H}" viewBox="0 0 ${3 * W} ${H}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
