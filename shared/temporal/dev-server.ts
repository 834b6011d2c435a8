/**
 * Starts a local Temporal dev server (the real server, from the Temporal CLI) with the plugin's
 * search attributes registered. Used by the tests' global setup and by `ctxpack dev`.
 */
import { createServer } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CtxPackError } from '../errors.js';
import { CTXPACK_SEARCH_ATTRIBUTES } from '../search-attributes.js';
import { freePort } from '../free-port.js';
import { resolveTemporalCli, type TemporalCli } from './cli-resolver.js';

export { freePort };

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
  /** A CLI already resolved; default: `resolveTemporalCli()`. */
  readonly cli?: TemporalCli;
  readonly log?: (line: string) => void;
}

export interface DevServer {
  /** `host:port` of the gRPC frontend. */
  readonly address: string;
  readonly namespace: string;
  /** The Web UI's base URL, when the UI is on. */
  readonly uiUrl: string | undefined;
  readonly cli: TemporalCli;
  /** The SDK's handle on the server: its `client` and `nativeConnection` are ready to use. */
  readonly env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  // The SDK would otherwise connect to whatever already listens there and report success.
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
  const uiPort = ui ? (options.uiPort ?? (await freePort())) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      // Always an existing path: the SDK's downloader needs a host these machines cannot reach.
      executable: { type: 'existing-path', path: cli.path },
      namespace,
      ip: '127.0.0.1',
      ui,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(uiPort !== undefined ? { uiPort } : {}),
      ...(options.dbFilename !== undefined ? { dbFilename: options.dbFilename } : {}),
      searchAttributes: [...CTXPACK_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'error' },
    },
  });
  return {
    address: env.address,
    namespace,
    uiUrl: uiPort !== undefined ? `http://127.0.0.1:${uiPort}` : undefined,
    cli,
    env,
    stop: () => env.teardown(),
  };
}

/** A port the dev server needs is taken. */
export class PortInUse extends CtxPackError {
  readonly code = 'PortInUse';
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

