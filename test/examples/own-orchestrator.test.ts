/**
 * The example user project (examples/own-orchestrator) on the test dev server: its own workflow,
 * worker and client, importing only the package's public entry points (resolved, as for a user, to
 * the compiled package, which this test builds first).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { invocations } from '../../cli/temporal/history-records.js';
import { setupJob, writeScript } from '../support/governed.js';
import { multiRoleScript } from '../support/multi-role.js';
import { testTemporal } from '../support/temporal.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

beforeAll(async () => {
  // The example imports `context-packs` and `context-packs/workflow`: the package's dist/.
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
}, 240_000);

describe('a governed workflow of the user\'s own design (examples/own-orchestrator)', () => {
  it('runs coder and validator with their own packs, sends findings back, and shows both seats', async () => {
    const { createWorker } = await import('../../examples/own-orchestrator/worker.js');
    const { startReviewLoop } = await import('../../examples/own-orchestrator/client.js');
    const { packState } = await import('context-packs');
    const setup = await setupJob('own-orchestrator');
    await writeScript(setup.dir, multiRoleScript());
    const { client, nativeConnection, namespace } = await testTemporal();
    const worker = await createWorker({ connection: nativeConnection, namespace, workspaceDir: setup.dir, taskQueue: setup.taskQueue });
    const { result, state, handle } = await worker.runUntil(async () => {
      const handle = await startReviewLoop(client, setup.taskQueue, {
        workspace_id: 'demo',
        work_unit: '.ctxpack/work-units/wp-7.yaml',
        coder: { role: 'coder', model: 'big-coder-14b', provider: 'local-large' },
        reviewer: { role: 'validator', model: 'tiny-reviewer-1b', provider: 'local-small' },
      });
      return { result: await handle.result(), state: await handle.query(packState), handle };
    });
    expect(result).toEqual({ passed: [{ micro_task: 'MT-7.1', tries: 2 }, { micro_task: 'MT-7.2', tries: 1 }], findings_sent_back: 1 });
    expect(state.seats?.map((s) => `${s.name}:${s.seat.role}`)).toEqual(['coder:coder', 'reviewer:validator']);
    const calls = invocations(await handle.fetchHistory());
    expect(calls.map((c) => c.result.identity.role_id)).toEqual(['coder', 'validator', 'coder', 'validator', 'coder', 'validator']);
    expect(calls[2]?.input.feedback).toContain('parseConfig throws for every input');
    const roles = new Set(calls.map((c) => c.result.identity.role_pack_hash));
    expect(roles.size).toBe(2); // each seat its own role pack
  }, 180_000);
});
