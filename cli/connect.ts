/** A Temporal client for the operator commands, with an actionable error when the server is away. */
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { JobStateUnavailable, TemporalUnreachable } from '../shared/core/errors.js';
import { parseOrThrow } from '../shared/core/schema/parse.js';
import { PackState } from '../shared/core/schema/workflow-state.js';
import { packState } from '../workflows/governed-job.js';
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

/**
 * The job's `packState`, or a one-line error saying why not. A query fails when the job does not
 * exist or when its workflow task keeps failing; the SDK's error then carries raw gRPC details that
 * mean nothing to an operator, so only the server's first line is kept.
 */
export async function queryPackState(handle: WorkflowHandle, workflowId: string): Promise<PackState> {
  let answer: unknown;
  try {
    answer = await handle.query(packState);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new JobStateUnavailable(`no governed job ${workflowId} in this namespace`, 'check the workflow id and TEMPORAL_NAMESPACE; `npx ctxpack list` lists the jobs', { workflowId });
    }
    throw new JobStateUnavailable(
      `governed job ${workflowId} did not answer its packState query: ${serverReason(err)}`,
      'open the job in the Web UI: a failing workflow task blocks queries (for BadSearchAttributes, run `npx ctxpack setup`)',
      { workflowId },
    );
  }
  // Checked, not cast: a job of another version (or another workflow) answering differently says so.
  return parseOrThrow(PackState, answer, `the packState answer of ${workflowId}`);
}

function serverReason(err: unknown): string {
  const cause = (err as { cause?: { details?: unknown; message?: unknown } } | null)?.cause;
  const text = typeof cause?.details === 'string' ? cause.details : typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : 'unknown';
  // One printable line, bounded: server text only, never payload bytes.
  return (text.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
