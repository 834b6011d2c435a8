/**
 * `ctxpack dev` (what `npm start` runs): a local Temporal dev server with its Web UI (persisted under
 * `.ctxpack/`, so a restart keeps history), a context-packs worker, and the demo job; then it keeps
 * the server and worker up until Ctrl-C. `TEMPORAL_ADDRESS` points it at an existing cluster instead.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { createContextPacksWorker } from '../../workers/worker.js';
import { DEMO_WORKSPACE_ID, prepareDemoWorkspace, runDemo } from '../demo.js';
import { step } from '../progress.js';
import { installSdkLogger } from '../sdk-logs.js';
import { temporalNamespace, uiUrlFor } from '../temporal-target.js';

interface DevOptions {
  port: string;
  uiPort: string;
  db: string;
  demo: boolean;
  workspace: string[];
  exitAfterDemo?: boolean;
}

/** Adds the options and action of `ctxpack dev` to its (already named and described) command. */
export function registerDev(command: Command): void {
  command
    .option('--port <port>', 'gRPC port of the dev server', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--db <file>', 'SQLite file the dev server persists to', path.join('.ctxpack', 'temporal.db'))
    .option('--no-demo', 'only run the server and the worker')
    .option('--workspace <id=dir>', 'serve another workspace (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--exit-after-demo', 'stop everything once the demo has finished')
    .action(async (options: DevOptions) => {
      // Worker INFO lines would drown the demo's own progress; warnings and errors still show.
      await installSdkLogger();
      const existing = process.env['TEMPORAL_ADDRESS'] || undefined;
      const namespace = temporalNamespace();
      let server: DevServer | undefined;
      if (!existing) {
        await mkdir(path.dirname(path.resolve(options.db)), { recursive: true });
        server = await step(`start the Temporal dev server (history in ${options.db})`, () =>
          startDevServer({ port: Number(options.port), uiPort: Number(options.uiPort), dbFilename: options.db, namespace, log: (line) => process.stderr.write(`${line}\n`) }),
          (s) => s.address,
        );
      }
      const address = existing ?? (server as DevServer).address;
      const ui = server?.uiUrl ?? uiUrlFor(address);

      const demoDir = path.resolve('.ctxpack', 'demo-workspace');
      const workspaces: Record<string, string> = { [DEMO_WORKSPACE_ID]: demoDir };
      for (const pair of options.workspace) {
        const [id, dir] = pair.split('=');
        if (!id || !dir) throw new Error(`--workspace ${pair}: use id=dir`);
        workspaces[id] = path.resolve(dir);
      }
      if (options.demo) await prepareDemoWorkspace(demoDir);

      const nativeConnection = await NativeConnection.connect({ address });
      const worker = await step('start the context-packs worker (bundling workflows)', () =>
        createContextPacksWorker({ connection: nativeConnection, namespace, workspaces }),
      );
      const running = worker.run();
      const connection = await Connection.connect({ address });
      const client = new Client({ connection, namespace, identity: 'ctxpack-dev' });

      let failed = false;
      try {
        if (options.demo) await runDemo({ client, namespace, ui, workspaceDir: demoDir });
      } catch (err) {
        failed = true;
        process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }

      process.stdout.write(`\nTemporal   ${address} (namespace ${namespace})\nWeb UI     ${ui}\nworker     task queue context-packs; workspaces: ${Object.keys(workspaces).join(', ')}\n`);
      if (!options.exitAfterDemo) {
        process.stdout.write('Press Ctrl-C to stop.\n');
        // A pending promise alone does not keep Node alive; the interval does until a signal arrives.
        const keepAlive = setInterval(() => {}, 1 << 30);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        clearInterval(keepAlive);
      }
      process.stderr.write('stopping...\n');
      // The SDK's runtime starts a worker shutdown on SIGINT/SIGTERM itself; only ask if it has not.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await server?.stop();
      if (failed) process.exitCode = 1;
    });
}
