/**
 * The demo `npm start` runs: a governed job on a copy of the example workspace with the scripted
 * provider, a swap that rebuilds (a source changed), a swap that reuses (nothing changed), an
 * automatic escalation, then the operator summary and the Web UI link; then a multi-role job on the
 * same workspace: the orchestrator picks the micro-tasks, the coder writes, the validator reviews
 * with its own read-only packs, the verification contract decides, and the coder escalates.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { shortHash } from '../shared/engine/hash.js';
import { PACKAGE_ROOT } from './tools/package-root.js';
import { DEFAULT_TASK_QUEUE } from '../workers/worker.js';
import { governedJob, packState, requestModelSwap, type PackState } from '../workflows/governed-job.js';
import { multiRoleJob } from '../workflows/multi-role-job.js';
import { workflowUrl } from './connect.js';
import { step } from './progress.js';
import { printSummary } from './summary.js';

export const DEMO_WORKSPACE_ID = 'demo';
const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'workspace');
const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';

/** A fresh copy of the example workspace under `.ctxpack/`, so the demo never edits the repo. */
export async function prepareDemoWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await cp(EXAMPLE, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.ctxpack${path.sep}store`) });
  // Hold the first answer until the demo has shown its swaps: the scripted model waits for a file.
  const script = path.join(dir, '.ctxpack/scripts/demo.yaml');
  const text = await readFile(script, 'utf8');
  await writeFile(script, text.replace('  - when: { micro_task: MT-7.1, model: tiny-coder-1b }\n', '  - when: { micro_task: MT-7.1, model: tiny-coder-1b }\n    wait_for: .gate/demo\n'));
}

async function until(client: Client, workflowId: string, predicate: (s: PackState) => boolean): Promise<PackState> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const state = await handle.query(packState).catch(() => undefined);
    if (state && predicate(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runDemo(options: { client: Client; namespace: string; ui: string; workspaceDir: string }): Promise<void> {
  const { client, workspaceDir } = options;
  const tiny = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
  const big = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };
  const workflowId = `ctxpack-demo-${Date.now().toString(36)}`;

  const handle = await step('start a governed job (coder on tiny-coder-1b@local-small)', () =>
    client.workflow.start(governedJob, {
      taskQueue: DEFAULT_TASK_QUEUE,
      workflowId,
      args: [{ workspace_id: DEMO_WORKSPACE_ID, work_unit: WORK_UNIT, seat: tiny }],
      staticSummary: `governed job ${WORK_UNIT} (demo)`,
      staticDetails: 'started as **coder** on **tiny-coder-1b** @ local-small',
    }),
    () => workflowId,
  );
  const bound = await step('assemble and bind the coder packs', () => until(client, workflowId, (s) => s.binding !== null && s.status === 'running'), (s) =>
    shortHash(s.binding?.work_unit_pack_hash ?? ''),
  );

  const notes = path.join(workspaceDir, 'docs/notes/wp-7.md');
  await writeFile(notes, (await readFile(notes, 'utf8')).replace('## Facts\n', '## Facts\n- Operators asked for the error to list every bad key.\n'));
  const rebuilt = await step('a source changed; swap to big-coder-14b by Update', () =>
    handle.executeUpdate(requestModelSwap, { args: [{ request_id: `${workflowId}-swap-1`, target_role: 'coder', ...pick(big), reason: 'swap', requester: 'demo' }] }),
    (r) => `${r.decision} ${shortHash(r.requested_pack_hash)} -> ${shortHash(r.effective_pack_hash)}`,
  );
  await step('swap back to tiny-coder-1b (nothing changed)', () =>
    handle.executeUpdate(requestModelSwap, { args: [{ request_id: `${workflowId}-swap-2`, target_role: 'coder', ...pick(tiny), reason: 'swap', requester: 'demo' }] }),
    (r) => `${r.decision} ${shortHash(r.effective_pack_hash)}`,
  );
  void bound;
  void rebuilt;

  await mkdir(path.join(workspaceDir, '.gate'), { recursive: true });
  await writeFile(path.join(workspaceDir, '.gate/demo'), 'go');
  await step('iterate: tiny-coder fails verification twice, the workflow escalates', () =>
    until(client, workflowId, (s) => s.swap_log.some((e) => e.reason === 'escalation')),
    (s) => {
      const e = s.swap_log.find((x) => x.reason === 'escalation');
      return `escalated to ${e?.to.model}@${e?.to.provider} (${e?.outcome})`;
    },
  );
  const result = await step('finish the micro-tasks', () => handle.result(), (r) => `${r.micro_tasks.length} passed, ${r.invocations} invocations, ${r.swaps} swaps`);
  void result;

  const state = await handle.query(packState);
  process.stdout.write(`\n${workflowId}\n`);
  printSummary(state);
  process.stdout.write(`\nweb ui  ${workflowUrl(options, workflowId, handle.firstExecutionRunId)}\n\n`);
  await runMultiRoleDemo(options);
}

/** The second story: orchestrator, coder and validator, each on its own seat with its own packs. */
async function runMultiRoleDemo(options: { client: Client; ui: string; namespace: string }): Promise<void> {
  const { client } = options;
  const workflowId = `ctxpack-demo-team-${Date.now().toString(36)}`;
  const handle = await step('start a multi-role job (orchestrator, coder, validator)', () =>
    client.workflow.start(multiRoleJob, {
      taskQueue: DEFAULT_TASK_QUEUE,
      workflowId,
      args: [
        {
          workspace_id: DEMO_WORKSPACE_ID,
          work_unit: WORK_UNIT,
          seats: {
            orchestrator: { role: 'orchestrator', model: 'big-coder-14b', provider: 'local-large' },
            coder: { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' },
            validator: { role: 'validator', model: 'tiny-reviewer-1b', provider: 'local-small' },
          },
        },
      ],
      staticSummary: `multi-role job ${WORK_UNIT} (demo)`,
      staticDetails: 'orchestrator, coder and validator, each with its own role packs',
    }),
    () => workflowId,
  );
  const result = await step('plan, code, review, verify; the coder escalates after two failed verifications', () => handle.result(), (r) =>
    `${r.micro_tasks.map((m) => `${m.id} in ${m.iterations}`).join(', ')}; ${r.invocations} invocations, ${r.swaps} swap(s)`,
  );
  void result;
  const state = await handle.query(packState);
  process.stdout.write(`\n${workflowId}\n`);
  printSummary(state);
  process.stdout.write(`\nweb ui  ${workflowUrl(options, workflowId, handle.firstExecutionRunId)}\n`);
}

function pick(seat: { model: string; provider: string }) {
  return { model: seat.model, provider: seat.provider };
}
