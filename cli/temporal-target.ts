/** Which Temporal server the CLI talks to: `TEMPORAL_ADDRESS` / `TEMPORAL_NAMESPACE`, else the local default. */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_ADDRESS = 'localhost:7233';

export function temporalAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env['TEMPORAL_ADDRESS'] || DEFAULT_ADDRESS;
}

export function temporalNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env['TEMPORAL_NAMESPACE'] || 'default';
}

/** The Web UI: `TEMPORAL_UI_URL` if set, else the dev server's convention (gRPC port + 1000). */
export function uiUrlFor(address: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['TEMPORAL_UI_URL'];
  if (configured) return configured.replace(/\/+$/, '');
  const match = /^(.*):(\d+)$/.exec(address);
  const host = match?.[1] ?? 'localhost';
  const port = match?.[2] ? Number(match[2]) + 1000 : 8233;
  return `http://${host}:${port}`;
}

/**
 * How to reach the Temporal server, from Temporal's environment configuration: `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, and the profile named by
 * `TEMPORAL_PROFILE` in `TEMPORAL_CONFIG_FILE` (default `~/.config/temporalio/temporal.toml`), the
 * same settings the `temporal` CLI and every Temporal SDK read. Defaults: the local dev server.
 */
export function temporalConnectConfig(env: NodeJS.ProcessEnv = process.env): { namespace: string; connectionOptions: NativeConnectionOptions } {
  const overrideEnvVars = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const loaded = loadClientConnectConfig({ overrideEnvVars });
  return {
    namespace: loaded.namespace || temporalNamespace(env),
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address || temporalAddress(env) },
  };
}
