/**
 * Helpers for tests that talk to the run's real dev server: a client, and a real Worker running the
 * pre-built workflow bundle while a test body runs.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { afterAll, inject } from 'vitest';

export interface TestTemporal {
  readonly address: string;
  readonly namespace: string;
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
}

let shared: Promise<TestTemporal> | undefined;

/** One client and native connection per test file, closed after the file's tests. */
export function testTemporal(): Promise<TestTemporal> {
  if (!shared) {
    shared = (async () => {
      const address = inject('temporalAddress');
      const namespace = inject('temporalNamespace');
      const connection = await Connection.connect({ address });
      const nativeConnection = await NativeConnection.connect({ address });
      afterAll(async () => {
        await nativeConnection.close();
        await connection.close();
      });
      // Fixed identities: recorded histories must not carry a pid@hostname.
      return { address, namespace, client: new Client({ connection, namespace, identity: 'ctxpack-test-client' }), nativeConnection };
    })();
  }
  return shared;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export type TestWorkerOptions = Omit<WorkerOptions, 'connection' | 'namespace' | 'workflowBundle' | 'workflowsPath'>;

/** Creates a real Worker on the test bundle and runs `body` while it polls; the worker shuts down after. */
export async function withWorker<T>(options: TestWorkerOptions, body: (worker: Worker) => Promise<T>): Promise<T> {
  const { nativeConnection, namespace } = await testTemporal();
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    identity: 'ctxpack-test-worker',
    ...options,
  });
  return worker.runUntil(() => body(worker));
}
