/** Which Temporal server the CLI talks to: `TEMPORAL_ADDRESS` / `TEMPORAL_NAMESPACE`, else the local default. */
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
