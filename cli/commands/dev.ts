/**
 * `ctxpack dev`: a local Temporal dev server with its Web UI, persisted under `.ctxpack/` so a restart
 * keeps history, running until Ctrl-C.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { startDevServer } from '../../shared/temporal/dev-server.js';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run a local Temporal dev server (and Web UI) until Ctrl-C')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--db <file>', 'SQLite file the server persists to', path.join('.ctxpack', 'temporal.db'))
    .action(async (options: { port: string; uiPort: string; db: string }) => {
      await mkdir(path.dirname(path.resolve(options.db)), { recursive: true });
      const log = (line: string) => process.stderr.write(`${line}\n`);
      log('starting the Temporal dev server...');
      const server = await startDevServer({
        port: Number(options.port),
        uiPort: Number(options.uiPort),
        dbFilename: options.db,
        log,
      });
      process.stdout.write(`Temporal dev server  ${server.address} (namespace ${server.namespace})\n`);
      process.stdout.write(`Web UI               ${server.uiUrl ?? '(off)'}\n`);
      process.stdout.write('Press Ctrl-C to stop.\n');
      // A pending promise alone does not keep Node alive; the interval does until a signal arrives.
      const keepAlive = setInterval(() => {}, 1 << 30);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      log('stopping...');
      await server.stop();
    });
}
