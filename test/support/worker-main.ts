/** Entry of the worker process used by fault tests (see worker-process.ts). */
import { existsSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const activities = createActivities({ workspaces: { demo: env('CTXPACK_WORKSPACE_DIR') } });
const gate = process.env['CTXPACK_SWAP_GATE'];
if (gate) {
  // Test-only: hold the swap until the gate file exists, heartbeating like a slow real swap would.
  const swapPacks = activities.swapPacks;
  activities.swapPacks = async (input) => {
    const { heartbeat } = await import('@temporalio/activity');
    while (!existsSync(gate)) {
      heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return swapPacks(input);
  };
}

const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('CTXPACK_TASK_QUEUE'),
  identity: 'ctxpack-test-worker-process',
  workflowBundle: { codePath: env('CTXPACK_BUNDLE') },
  activities,
  shutdownGraceTime: '1s',
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write('ready\n');
await running;
await connection.close();
