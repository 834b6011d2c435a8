/**
 * `npm run bench`: runs the benchmark targets, prints a table and writes `bench/results/latest.json`
 * (`{ machine, results }`; see bench/README.md for how to read it).
 *
 *   node --import tsx bench/run.ts [--only id,id] [--quick] [--out file.json]
 *
 * `--only` takes target or result ids; `--quick` uses fewer repetitions and smaller inputs (a smoke
 * test: its figures are not measurements) and writes `bench/results/quick.json`; an `--only` run
 * writes `bench/results/partial.json` (both git-ignored) unless `--out` says otherwise. Exit code 0
 * whether or not targets are met (the report says which); 1 on a failure, 2 on bad arguments.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuTimes, machineFacts, stealPercent } from './support/machine.js';
import { TARGETS } from './targets/index.js';
import type { BenchContext, BenchResult } from './targets/types.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

function usage(message: string): never {
  console.error(`bench: ${message}`);
  console.error('usage: node --import tsx bench/run.ts [--only <id,...>] [--quick] [--out <file.json>]');
  console.error(`ids: ${TARGETS.flatMap((t) => [t.id, ...t.results.filter((r) => r !== t.id)]).join(', ')}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
} catch (err) {
  usage(err instanceof Error ? err.message : String(err));
}
const { values } = parsed;
const quick = values.quick ?? false;
const only = values.only?.split(',').map((id) => id.trim()).filter(Boolean);
const known = new Set(TARGETS.flatMap((t) => [t.id, ...t.results]));
for (const id of only ?? []) if (!known.has(id)) usage(`unknown id "${id}"`);
// Only a full run is the committed report: a --quick or --only run (a few rows by hand) writes its own
// git-ignored file, so it can never replace latest.json with a partial one.
const out = path.resolve(values.out ?? path.join(RESULTS_DIR, quick ? 'quick.json' : only ? 'partial.json' : 'latest.json'));

const wantsResult = (id: string, targetId: string) => !only || only.includes(id) || only.includes(targetId);
const selected = TARGETS.filter((t) => t.results.some((r) => wantsResult(r, t.id)));

const scratch = await mkdtemp(path.join(tmpdir(), 'ctxpack-bench-'));
const sharedValues = new Map<string, Promise<unknown>>();
const results: BenchResult[] = [];
let failed = false;
const runStart = cpuTimes();
try {
  for (const target of selected) {
    const ctx: BenchContext = {
      quick,
      repeats: (kind) => (kind === 'fast' ? (quick ? 5 : 21) : quick ? 3 : 7),
      wants: (id) => wantsResult(id, target.id),
      scratch,
      shared: <T>(key: string, create: () => Promise<T>) => {
        if (!sharedValues.has(key)) sharedValues.set(key, create());
        return sharedValues.get(key) as Promise<T>;
      },
      log: (message) => console.error(`  ${message}`),
    };
    console.error(`${target.id}: ${target.title}`);
    try {
      const before = cpuTimes();
      const measured = (await target.run(ctx)).filter((r) => ctx.wants(r.id));
      const steal = stealPercent(before, cpuTimes());
      if (steal !== undefined) ctx.log(`${target.id}: the hypervisor took ${steal}% of the machine's CPU time meanwhile (steal)`);
      results.push(...measured.map((r) => (steal === undefined ? r : { ...r, details: { ...r.details, machine_steal_percent: steal } })));
    } catch (err) {
      failed = true;
      console.error(`${target.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
} finally {
  // The generated workspaces (hundreds of MB) never outlive the run.
  await rm(scratch, { recursive: true, force: true });
}

const runSteal = stealPercent(runStart, cpuTimes());
const report = { machine: { ...machineFacts(), ...(runSteal !== undefined ? { steal_percent: runSteal } : {}) }, run: { mode: quick ? 'quick' : 'full', only: only ?? null }, results };
await mkdir(path.dirname(out), { recursive: true });
// Atomic: a reader sees the previous report or this one, never half of one.
const temp = path.join(path.dirname(out), `${path.basename(out, '.json')}.${process.pid}.tmp.json`);
await writeFile(temp, JSON.stringify(report, null, 2) + '\n');
await rename(temp, out);

printTable(results);
console.log(`\n${results.filter((r) => r.met).length} of ${results.length} targets met. Machine: ${report.machine.cpu_model}, ${report.machine.cores} cores, Node ${report.machine.node}${runSteal !== undefined ? `, ${runSteal}% of CPU time taken by the hypervisor (steal)` : ''}${quick ? ' (--quick: not a measurement)' : ''}.`);
console.log(`Report: ${path.relative(process.cwd(), out) || out}`);
process.exitCode = failed ? 1 : 0;

function printTable(rows: readonly BenchResult[]): void {
  const header = ['id', 'measured', 'target', 'baseline', 'met'];
  const body = rows.map((r) => [r.id, `${r.value} ${r.unit}`, r.target, r.baseline, r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of body) console.log(line(row));
  const reruns = rows.filter((r) => r.rerun?.length);
  if (reruns.length > 0) {
    console.log('\nRerun the baselines:');
    for (const r of reruns) for (const command of r.rerun ?? []) console.log(`  ${r.id}: ${command}`);
  }
}
