/**
 * `cli-start`: how long the compiled `ctxpack` takes to start, as a user's shell runs it. Median wall
 * time of `ctxpack --help` and of `ctxpack assemble` on the example workspace, each against
 * `node -e 0` (Node's own start) measured interleaved in the same run.
 *
 * Targets: `--help` <= 4x `node -e 0` (only the command table loads, no SDK), `assemble` <= 8x
 * (the pack engine and the tokenizer tables load; the work on the small example is milliseconds).
 * Runs `dist/cli/main.js`, the file the package's `bin` names, built first if absent.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { interleaved, median, round } from '../support/stats.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(REPO, 'dist', 'cli', 'main.js');
const HELP_TARGET = 4;
const ASSEMBLE_TARGET = 8;

async function timed(args: readonly string[], cwd: string): Promise<void> {
  await run(process.execPath, [...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 });
}

export const cliStart: BenchTarget = {
  id: 'cli-start',
  title: 'Start-up of the compiled ctxpack against node -e 0',
  results: ['cli-start'],
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    if (!(await stat(BIN).catch(() => undefined))) {
      ctx.log('cli-start: building dist/ (npm run build)');
      await run('npm', ['run', 'build'], { cwd: REPO });
    }
    const workspace = path.join(await mkdtemp(path.join(ctx.scratch, 'cli-start-')), 'ws');
    await cp(path.join(REPO, 'examples', 'workspace'), workspace, { recursive: true, filter: (source) => !source.includes(`${path.sep}.ctxpack${path.sep}store`) });
    const store = path.join(workspace, '..', 'store');
    const assembleArgs = [BIN, 'assemble', '--workspace', '.', '--role', 'coder', '--work-unit', '.ctxpack/work-units/wp-7.yaml', '--store', store];
    const times = await interleaved(ctx.quick ? 3 : 15, [
      { name: 'node', run: () => timed(['-e', '0'], workspace) },
      { name: 'help', run: () => timed([BIN, '--help'], workspace) },
      { name: 'assemble', run: () => timed(assembleArgs, workspace) },
    ]);
    const nodeMs = median(times['node'] ?? []);
    const helpMs = median(times['help'] ?? []);
    const assembleMs = median(times['assemble'] ?? []);
    const help = helpMs / nodeMs;
    const assemble = assembleMs / nodeMs;
    return [
      {
        id: 'cli-start',
        title: 'ctxpack --help start-up, median wall time (assemble in details)',
        value: round(help),
        unit: 'x',
        target: `--help <= ${HELP_TARGET}x, assemble <= ${ASSEMBLE_TARGET}x of node -e 0`,
        baseline: `node -e 0: ${round(nodeMs)} ms; --help ${round(helpMs)} ms; assemble (example workspace) ${round(assembleMs)} ms = ${round(assemble)}x`,
        met: help <= HELP_TARGET && assemble <= ASSEMBLE_TARGET,
        rerun: ['npm run build && hyperfine "node -e 0" "node dist/cli/main.js --help"', 'npm run bench -- --only cli-start'],
        details: { node_ms: round(nodeMs), help_ms: round(helpMs), assemble_ms: round(assembleMs), help_ratio: round(help), assemble_ratio: round(assemble), runs: times['node']?.length ?? 0 },
      },
    ];
  },
};
