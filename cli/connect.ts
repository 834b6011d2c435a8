/** A Temporal client for the operator commands, with an actionable error when the server is away. */
import { Client, Connection } from '@temporalio/client';
import { TemporalUnreachable } from '../shared/errors.js';
import { temporalAddress, temporalConnectConfig, uiUrlFor } from './temporal-target.js';

export interface Target {
  readonly client: Client;
  readonly namespace: string;
  readonly ui: string;
  close(): Promise<void>;
}

export async function connect(): Promise<Target> {
  const { namespace, connectionOptions } = temporalConnectConfig();
  const address = connectionOptions.address ?? temporalAddress();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions, address, connectTimeout: '3s' });
  } catch {
    throw new TemporalUnreachable(
      `no Temporal server answers at ${address}`,
      'start one with `npm start` (or `npx ctxpack dev --no-demo`), or set TEMPORAL_ADDRESS',
      { address },
    );
  }
  return {
    client: new Client({ connection, namespace, identity: 'ctxpack-cli' }),
    namespace,
    ui: uiUrlFor(address),
    close: () => connection.close(),
  };
}

export function workflowUrl(target: { ui: string; namespace: string }, workflowId: string, runId?: string): string {
  const base = `${target.ui}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
