/**
 * History cost of a governed job: events and bytes per micro-task iteration, and the history size of
 * a job with 10 iterations. Runs on a real dev server with a real worker and the scripted provider.
 *
 *   node --import tsx bench/history-cost.ts
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { startDevServer } from '../shared/temporal/dev-server.js';
import { invocations } from '../shared/temporal/history-records.js';
import { WORKFLOWS_PATH } from '../workers/plugin.js';
import { governedJob } from '../workflows/governed-job.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const EXAMPLE = fileURLToPath(new URL('../examples/workspace/', import.meta.url));

/** A job whose single micro-task fails verification `failures` times, then passes. */
async function workspaceWith(failures: number): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-history-')), 'ws');
  await cp(EXAMPLE, dir, { recursive: true });
  const role = path.join(dir, '.ctxpack/roles/coder.yaml');
  await writeFile(role, (await readFile(role, 'utf8')).replace('escalate_after_failures: 2', 'escalate_after_failures: 100').replace('max_iterations: 6', 'max_iterations: 50'));
  const unit = path.join(dir, '.ctxpack/work-units/wp-7.yaml');
  await writeFile(unit, (await readFile(unit, 'utf8')).replace('  - { id: MT-7.2, title: Require a positive integer port }\n', ''));
  const rules = Array.from({ length: failures }, (_, i) => `  - when: { iteration: ${i + 1} }\n    text: broken\n    tool_calls: [{ tool: write_file, path: src/config.js, content: "syntax error (" }]\n`).join('');
  const restore = await readFile(path.join(dir, 'src/config.js'), 'utf8');
  await writeFile(
    path.join(dir, '.ctxpack/scripts/demo.yaml'),
    `schema_version: 1\nresponses:\n${rules}  - when: {}\n    text: fixed\n    tool_calls: [{ tool: write_file, path: src/config.js, content: ${JSON.stringify(restore)} }]\n`,
  );
  return dir;
}

const server = await startDevServer({ ui: false });
try {
  const { client, nativeConnection } = server.env;
  const results: Record<number, { events: number; bytes: number }> = {};
  for (const iterations of [1, 2, 10]) {
    const dir = await workspaceWith(iterations - 1);
    const taskQueue = `history-${iterations}`;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: createActivities({ workspaces: { demo: dir } }) });
    const handle = await client.workflow.start(governedJob, {
      taskQueue,
      workflowId: `history-cost-${iterations}`,
      args: [{ workspace_id: 'demo', work_unit: '.ctxpack/work-units/wp-7.yaml', seat: { role: 'coder', model: 'big-coder-14b', provider: 'local-large' } }],
    });
    await worker.runUntil(handle.result());
    const history = await handle.fetchHistory();
    if (invocations(history).length !== iterations) throw new Error(`expected ${iterations} iterations`);
    results[iterations] = { events: history.events?.length ?? 0, bytes: Buffer.byteLength(historyToJSON(history)) };
  }
  const one = results[1] as { events: number; bytes: number };
  const two = results[2] as { events: number; bytes: number };
  const ten = results[10] as { events: number; bytes: number };
  const report = {
    events_per_iteration: two.events - one.events,
    bytes_per_iteration: two.bytes - one.bytes,
    job_1_iteration: one,
    job_10_iterations: ten,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await server.stop();
}
