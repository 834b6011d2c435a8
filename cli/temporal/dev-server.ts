/**
 * Starts a local Temporal dev server (the real server, from the Temporal CLI). Used by the tests'
 * global setup, the bench and `ctxpack dev`.
 *
 * Why not `@temporalio/testing`: it is a test-only package that a user's worker should not have to
 * install, and its downloader needs a host these machines cannot reach. Starting
 * `temporal server start-dev` ourselves takes a few lines and keeps the SDK a peer dependency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { PortInUse, TemporalUnreachable } from '../../shared/core/errors.js';
import { searchAttributeFlags } from '../../shared/core/search-attributes.js';
import { freePort, freePorts, startOnFreshPorts } from '../tools/free-port.js';
import { resolveTemporalCli, type TemporalCli } from './cli-resolver.js';

export { freePort, freePorts };

export interface DevServerOptions {
  /** SQLite file to persist to; omitted means in-memory (history is lost when the server stops). */
  readonly dbFilename?: string;
  /** gRPC frontend port; default: a random free port. */
  readonly port?: number;
  /** Serve the Web UI. Default: true. */
  readonly ui?: boolean;
  /** Web UI port; default: a random free port. */
  readonly uiPort?: number;
  readonly namespace?: string;
  /**
   * Register the plugin's search attributes at start. Default: true. `false` gives a plain
   * `temporal server start-dev`, as a user's own dev server would be.
   */
  readonly searchAttributes?: boolean;
  /** A CLI already resolved; default: `resolveTemporalCli()`. */
  readonly cli?: TemporalCli;
  readonly log?: (line: string) => void;
  /** How long to wait for the frontend to answer. Default: 60 s. */
  readonly startTimeoutMs?: number;
}

export interface DevServer {
  /** `host:port` of the gRPC frontend. */
  readonly address: string;
  readonly namespace: string;
  /** The Web UI's base URL, when the UI is on. */
  readonly uiUrl: string | undefined;
  readonly cli: TemporalCli;
  /** A client connected to the server; closed by `stop()`. */
  readonly client: Client;
  /** A worker-side connection to the server; closed by `stop()`. */
  readonly nativeConnection: NativeConnection;
  /** The server process's id (benchmarks read its CPU time and memory from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  // A port picked free a moment ago can be taken by another process before the server binds it;
  // with ports of our own choosing, that is worth two more tries on fresh ports.
  const ownPorts = options.port === undefined && (options.ui === false || options.uiPort === undefined);
  return startOnFreshPorts(() => startOnce(options), (err) => ownPorts && err instanceof DevServerExited);
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  // The CLI would fail with a bind error buried in its log; say it plainly instead.
  for (const [flag, port] of [['--port', options.port], ['--ui-port', options.uiPort]] as const) {
    if (port !== undefined && !(await isFree(port))) {
      throw new PortInUse(
        `port ${port} (${flag}) is already in use, perhaps by another Temporal dev server`,
        `stop it, choose another ${flag}, or use the running server with TEMPORAL_ADDRESS=127.0.0.1:${port}`,
        { port },
      );
    }
  }
  const cli = options.cli ?? (await resolveTemporalCli(options.log ? { log: options.log } : {}));
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? true;
  const [freeA, freeB] = await freePorts(2);
  const port = options.port ?? (freeA as number);
  const uiPort = ui ? (options.uiPort ?? (freeB as number)) : undefined;
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', namespace,
    '--log-format', 'pretty',
    '--log-level', 'error',
    ...(uiPort !== undefined ? ['--ui-port', String(uiPort)] : ['--headless']),
    // A file-backed server: WAL and synchronous=NORMAL, so a write is not an fsync per transaction.
    // SQLite's default (rollback journal, FULL) made the server's persistence calls time out under
    // load (Updates failed "context deadline exceeded" with 200 jobs swapping at once); a dev server
    // keeps every committed transaction across a process crash either way, only a power cut can drop the last ones.
    ...(options.dbFilename !== undefined ? ['--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
    ...(options.searchAttributes === false ? [] : searchAttributeFlags().flatMap((flag) => ['--search-attribute', flag])),
  ];
  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    const connection = await waitForFrontend(address, namespace, exited, options.startTimeoutMs ?? 60_000, () => stderr);
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection, namespace });
    return {
      address,
      namespace,
      uiUrl: uiPort !== undefined ? `http://127.0.0.1:${uiPort}` : undefined,
      cli,
      client,
      nativeConnection,
      pid: child.pid,
      stop: async () => {
        await Promise.allSettled([connection.close(), nativeConnection.close()]);
        await stopProcess(child, exited);
      },
    };
  } catch (err) {
    await stopProcess(child, exited);
    throw err;
  }
}

/** Polls the frontend until it serves the namespace; a server that exits or never answers is an error. */
async function waitForFrontend(
  address: string,
  namespace: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  stderr: () => string,
): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      throw new DevServerExited(
        `the Temporal dev server exited (code ${exitCode}) before it answered on ${address}: ${lastLine(stderr())}`,
        'run `npx ctxpack doctor` to check the Temporal CLI, or free the port',
        { address },
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return connection;
      } catch {
        await connection.close();
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new TemporalUnreachable(
        `the Temporal dev server did not answer on ${address} within ${timeoutMs} ms`,
        'run `npx ctxpack doctor`; a slow machine may need a longer start timeout',
        { address },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** The dev server process ended before it answered (a bind failure, a bad flag, a broken CLI). */
class DevServerExited extends TemporalUnreachable {}


function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
