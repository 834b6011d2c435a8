/**
 * The client: starts our review loop and prints its outcome and the seats from the plugin's
 * `packState` query (the same operator view `ctxpack show` reads). Run: `node --import tsx client.ts`.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { packState } from 'context-packs';
import { TASK_QUEUE } from './worker.js';
import { reviewLoop, type ReviewLoopInput } from './workflows.js';

export const INPUT: ReviewLoopInput = {
  workspace_id: 'demo',
  work_unit: '.ctxpack/work-units/wp-7.yaml',
  coder: { role: 'coder', model: 'big-coder-14b', provider: 'local-large' },
  reviewer: { role: 'validator', model: 'tiny-reviewer-1b', provider: 'local-small' },
};

export async function startReviewLoop(client: Client, taskQueue = TASK_QUEUE, input: ReviewLoopInput = INPUT) {
  return client.workflow.start(reviewLoop, { taskQueue, workflowId: `review-loop-${randomUUID()}`, args: [input] });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const connection = await Connection.connect({ address: process.env['TEMPORAL_ADDRESS'] ?? 'localhost:7233' });
  const handle = await startReviewLoop(new Client({ connection }));
  const result = await handle.result();
  const state = await handle.query(packState);
  console.log(JSON.stringify({ result, seats: state.seats?.map((s) => `${s.name}: ${s.seat.role} ${s.seat.model}@${s.seat.provider}`) }, null, 2));
  await connection.close();
}
