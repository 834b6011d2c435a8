// The bare worker for the scale rows (bench/targets/scale.ts): Temporal's Worker with the same SDK
// options as the `ctxpack worker` it is compared with, running bench/workflows/bare.ts (prebuilt
// bundle) and two no-op activities. Plain JavaScript run by plain `node`: no TypeScript loader, no
// plugin code in the process.
//
//   node bench/probes/bare-worker.mjs <address> <namespace> <task-queue> <bundle.js> <gate-file> <max-concurrent-activities>
import { stat } from 'node:fs/promises';
import { Context, heartbeat } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const [address, namespace, taskQueue, bundle, gate, maxActivities] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('ERROR') });

const answer = (bytes) => 'y'.repeat(bytes);
const exists = (file) => stat(file).then(() => true, () => false);

const activities = {
  async noop(_payload, outputBytes) {
    return answer(outputBytes);
  },
  // The same wait as the scripted provider's wait_for: backoff 25 ms to 1 s, a heartbeat each turn.
  async hold(_payload, outputBytes) {
    const signal = Context.current().cancellationSignal;
    let interval = 25;
    while (!(await exists(gate))) {
      if (signal.aborted) throw new Error('cancelled while waiting');
      heartbeat();
      await new Promise((resolve) => setTimeout(resolve, interval));
      interval = Math.min(interval * 2, 1000);
    }
    return answer(outputBytes);
  },
};

const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue,
  identity: 'bench-bare-worker',
  workflowBundle: { codePath: bundle },
  activities,
  maxConcurrentActivityTaskExecutions: Number(maxActivities),
});
process.on('SIGTERM', () => worker.shutdown());
process.stdout.write('bare worker ready\n');
await worker.run();
await connection.close();
