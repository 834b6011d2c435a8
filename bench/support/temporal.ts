/**
 * One real Temporal dev server (no UI) and one workflow bundle per benchmark run, shared by the
 * targets that need them, and helpers to run governed jobs on a copy of the example workspace.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../cli/temporal/dev-server.js';
import { contextPacksPlugin } from '../../workers/plugin.js';
import type { BenchContext } from '../targets/types.js';
import { copyExampleWorkspace } from './scaled-workspace.js';

export interface BenchTemporal {
  readonly server: DevServer;
  readonly client: Client;
  readonly connection: NativeConnection;
  /** Path of a bundle of bench/workflows (the governed job plus the baselines). */
  readonly bundlePath: string;
}

let runtimeInstalled = false;

/** A dev server and bundle for the Temporal targets; the caller stops `server` when done. */
export async function benchTemporal(ctx: BenchContext): Promise<BenchTemporal> {
  {
    if (!runtimeInstalled) {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
      runtimeInstalled = true;
    }
    ctx.log('starting a Temporal dev server and bundling workflows');
    const server = await startDevServer({ ui: false });
    // Bundled as a user bundles it, through the plugin (its preloaded modules, its one-byte output).
    const bundlerOptions = contextPacksPlugin({ workspaces: {} }).configureBundler({
      workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
      logger: new DefaultLogger('ERROR'),
    });
    const bundle = await bundleWorkflowCode(bundlerOptions);
    const bundlePath = path.join(ctx.scratch, 'bench-workflows.js');
    await writeFile(bundlePath, bundle.code);
    return { server, client: server.client, connection: server.nativeConnection, bundlePath };
  }
}

/** A fresh copy of the example workspace with `script` as its scripted answers. */
export async function exampleCopy(ctx: BenchContext, label: string, script?: string): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(ctx.scratch, `${label}-`)), 'ws');
  await copyExampleWorkspace(dir);
  if (script !== undefined) await writeFile(path.join(dir, '.ctxpack/scripts/demo.yaml'), script);
  return dir;
}

/** Scripted answers that pass verification at once (the example's sources already pass). */
export const PASSING_SCRIPT = 'schema_version: 1\nresponses:\n  - when: {}\n    text: done\n';

/** Like {@link PASSING_SCRIPT}, but the first answer waits for `.gate/go` (to hold a job for swaps). */
export const GATED_SCRIPT = 'schema_version: 1\nresponses:\n  - when: { iteration: 1, micro_task: MT-7.1 }\n    wait_for: .gate/go\n    text: done\n  - when: {}\n    text: done\n';

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
