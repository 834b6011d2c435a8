/** Helpers for multi-role jobs (orchestrator, coder, validator) on the test dev server. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Seat } from '../../shared/core/schema/governed-job.js';
import type { MultiRoleJobInput } from '../../shared/core/schema/workflow-state.js';
import { multiRoleJob } from '../../workflows/multi-role-job.js';
import { TINY, WORKSPACE_ID, type JobSetup } from './governed.js';
import { testTemporal } from './temporal.js';
import { WORK_UNIT } from './workspace.js';

export const ORCHESTRATOR: Seat = { role: 'orchestrator', model: 'big-coder-14b', provider: 'local-large' };
export const REVIEWER: Seat = { role: 'validator', model: 'tiny-reviewer-1b', provider: 'local-small' };
/** The validator's second rung, added by {@link addReviewerRung}. */
export const BIG_REVIEWER: Seat = { role: 'validator', model: 'big-coder-14b', provider: 'local-large' };

export function multiRoleInput(extra: Partial<MultiRoleJobInput> = {}): MultiRoleJobInput {
  return { workspace_id: WORKSPACE_ID, work_unit: WORK_UNIT, seats: { orchestrator: ORCHESTRATOR, coder: TINY, validator: REVIEWER }, ...extra };
}

export async function startMultiRole(setup: JobSetup, input: MultiRoleJobInput): Promise<WorkflowHandle<typeof multiRoleJob>> {
  const { client } = await testTemporal();
  return client.workflow.start(multiRoleJob, { taskQueue: setup.taskQueue, workflowId: setup.workflowId, args: [input] });
}

/** Gives the validator role a second model in its work profile, so a test can swap its model. */
export async function addReviewerRung(dir: string): Promise<void> {
  const file = path.join(dir, '.ctxpack/roles/validator.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('    - { provider: local-small, model: tiny-reviewer-1b }\n', '    - { provider: local-small, model: tiny-reviewer-1b }\n    - { provider: local-large, model: big-coder-14b }\n'));
}

const GOOD_CODE = `          // Reads the service configuration. Unknown keys and bad ports are rejected, naming the key.
          const KNOWN_KEYS = new Set(['host', 'port', 'logLevel']);

          export function parseConfig(input) {
            const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
            if (unknown.length > 0) throw new Error(\`unknown config keys: \${unknown.join(', ')}\`);
            const port = input.port ?? 8080;
            if (!Number.isInteger(port) || port <= 0) throw new Error('config key port must be a positive integer');
            return Object.freeze({ host: input.host ?? 'localhost', port, logLevel: input.logLevel ?? 'info' });
          }
`;

/**
 * The story of the end-to-end test: the orchestrator asks for MT-7.1 first; the validator fails the
 * first review with a finding (the coder's code would pass nothing anyway); the tiny coder's second
 * attempt still fails verification, so the coder escalates to the big model, which passes both
 * micro-tasks. `gate`: the orchestrator's first answer waits for `.gate/go`.
 */
export function multiRoleScript(options: { gate?: boolean; reviewerResult?: string } = {}): string {
  return `schema_version: 1
responses:
  - when: { role: orchestrator, micro_task: MT-7.1 }
${options.gate ? '    wait_for: .gate/go\n' : ''}    text: MT-7.1 first.
    result: { next_micro_tasks: [MT-7.1, MT-7.2] }
  - when: { role: orchestrator }
    text: Then the rest.
    result: { next_micro_tasks: [MT-7.2] }
  - when: { role: validator, micro_task: MT-7.1, iteration: 1 }
    text: The change does not reject unknown keys.
    result: ${options.reviewerResult ?? '{ verdict: fail, findings: [{ file: src/config.js, line: 3, message: parseConfig throws for every input }] }'}
  - when: { role: validator }
    text: Looks right.
    result: { verdict: pass, findings: [] }
  - when: { role: coder, model: tiny-coder-1b, micro_task: MT-7.1 }
    text: A first try.
    tool_calls:
      - tool: write_file
        path: src/config.js
        content: |
          export function parseConfig(input) {
            throw new Error('not implemented yet');
          }
  - when: { role: coder }
    text: parseConfig rejects unknown keys and bad ports.
    tool_calls:
      - tool: write_file
        path: src/config.js
        content: |
${GOOD_CODE}`;
}
