import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort, freePorts } from '../../cli/temporal/dev-server.js';
import { GATED_PASSING_SCRIPT, openGate, runWorker, setupJob, waitForState, writeScript } from '../support/governed.js';
import { runCtxpack } from '../support/cli.js';
import { testTemporal } from '../support/temporal.js';

const env = () => ({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_UI_URL: 'http://ui.test' });

describe('ctxpack operator commands against the dev server', () => {
  it('start, swap (Update and Signal), show, list and replay a governed job', async () => {
    const setup = await setupJob('ops');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    await runWorker(setup, async () => {
      const started = await runCtxpack(
        ['start', '--workspace', 'demo', '--work-unit', '.ctxpack/work-units/wp-7.yaml', '--role', 'coder', '--model', 'tiny-coder-1b', '--provider', 'local-small', '--task-queue', setup.taskQueue, '--workflow-id', setup.workflowId, '--json'],
        { env: env() },
      );
      expect(started.code, started.stderr).toBe(0);
      const { workflow_id, ui } = JSON.parse(started.stdout) as { workflow_id: string; ui: string };
      expect(workflow_id).toBe(setup.workflowId);
      expect(ui).toMatch(new RegExp(`^http://ui\\.test/namespaces/default/workflows/${setup.workflowId}/`));

      const { client } = await testTemporal();
      const handle = client.workflow.getHandle(setup.workflowId);
      await waitForState(handle as never, (s) => s.binding !== null && s.status === 'running');

      const swapped = await runCtxpack(['swap', workflow_id, '--role', 'coder', '--model', 'big-coder-14b', '--provider', 'local-large', '--json'], { env: env() });
      expect(swapped.code, swapped.stderr).toBe(0);
      const result = JSON.parse(swapped.stdout) as { decision: string; requested_pack_hash: string; effective_pack_hash: string };
      expect(result.decision).toBe('reused');
      expect(result.effective_pack_hash).toBe(result.requested_pack_hash);
      const human = await runCtxpack(['swap', workflow_id, '--role', 'coder', '--model', 'tiny-coder-1b', '--provider', 'local-small'], { env: env() });
      expect(human.stdout).toMatch(/decision\s+reused/);
      expect(human.stdout).toMatch(/requested\s+sha256:[0-9a-f]{12}\n/);

      const refused = await runCtxpack(['swap', workflow_id, '--role', 'coder', '--model', 'gpt-9', '--provider', 'local-small'], { env: env() });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/the job refused the swap: model gpt-9@local-small is not in role "coder"'s work profile/);
      expect(refused.stderr).toMatch(/fix: /);

      const signalled = await runCtxpack(['swap', workflow_id, '--role', 'coder', '--model', 'big-coder-14b', '--provider', 'local-large', '--signal', '--request-id', 'cli-signal'], { env: env() });
      expect(signalled.code).toBe(0);
      await waitForState(handle as never, (s) => s.swap_log.some((e) => e.request_id === 'cli-signal'));

      const shown = await runCtxpack(['show', workflow_id, '--json'], { env: env() });
      const state = JSON.parse(shown.stdout) as { seat: { model: string }; location: string; binding: { work_unit_pack_hash: string; lock_set: { write: string[] } }; swap_log: unknown[] };
      expect(state.seat.model).toBe('big-coder-14b');
      expect(state.location).toBe('local');
      expect(state.binding.lock_set.write).toEqual(['src/**', 'test/**']);
      expect(state.swap_log).toHaveLength(3);
      const shownHuman = await runCtxpack(['show', workflow_id], { env: env() });
      expect(shownHuman.stdout).toMatch(/role\s+coder 2\.3\.0 \(governance strict\)/);
      expect(shownHuman.stdout).toMatch(/model\s+big-coder-14b @ local-large/);
      expect(shownHuman.stdout).toMatch(/cloud tier\s+not in use \(local\)/);
      expect(shownHuman.stdout).toMatch(/pack hash\s+sha256:[0-9a-f]{12}\n/);
      expect(shownHuman.stdout).toMatch(/lock: deny\s+\.ctxpack\/\*\*, \.env, secrets\/\*\*/);
      expect(shownHuman.stdout).toMatch(/swap log\n.*update\s+big-coder-14b@local-large\s+reused/);

      await openGate(setup.dir);
      await handle.result();

      // Visibility is eventually consistent: poll the list until the job shows up.
      let listed: { workflow_id: string; pack_hash: string }[] = [];
      for (let i = 0; i < 50 && !listed.some((r) => r.workflow_id === workflow_id); i += 1) {
        const out = await runCtxpack(['list', '--hash', state.binding.work_unit_pack_hash, '--model', 'big-coder-14b', '--json'], { env: env() });
        listed = JSON.parse(out.stdout) as typeof listed;
        if (!listed.some((r) => r.workflow_id === workflow_id)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(listed.find((r) => r.workflow_id === workflow_id)?.pack_hash).toBe(state.binding.work_unit_pack_hash);
      const none = await runCtxpack(['list', '--model', 'no-such-model'], { env: env() });
      expect(none.stdout).toBe('no governed jobs match\n');

      const replayed = await runCtxpack(['replay', workflow_id, '--json'], { env: env() });
      expect(replayed.code, replayed.stderr).toBe(0);
      const replay = JSON.parse(replayed.stdout) as { replay: { deterministic: boolean }; invocations: { n: number; model: string; render_hash: string }[] };
      expect(replay.replay.deterministic).toBe(true);
      expect(replay.invocations.length).toBeGreaterThanOrEqual(2);

      const seen = await runCtxpack(['replay', workflow_id, '--show', '1', '--workspace', setup.dir], { env: env() });
      expect(seen.code, seen.stderr).toBe(0);
      expect(seen.stdout).toContain(replay.invocations[0]?.render_hash ?? 'missing');
      expect(seen.stdout).toContain('re-rendered from the store: identical');
      expect(seen.stdout).toContain('----- system -----');
      expect(seen.stdout).toContain('Only write files matched by the lock set');
    });
  });

  it('says how to start a server when none answers (exit 4)', async () => {
    const result = await runCtxpack(['show', 'anything'], { env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/no Temporal server answers at 127\.0\.0\.1:\d+/);
    expect(result.stderr).toMatch(/fix: start one with `npm start`/);
  });

  it('replays a saved history file without a server', async () => {
    const file = path.resolve('test/fixtures/histories/job-with-swaps.json');
    const result = await runCtxpack(['replay', file], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^replay ok: the current workflow code reproduces this history/);
    expect(result.stdout).toMatch(/\d+ model invocation\(s\)\n\s+1\s+MT-7\.1 #1\s+coder@2\.3\.0/);
    // The SDK's INFO lines (replay worker state, bundling) stay out unless asked for.
    expect(result.stderr).not.toMatch(/\bINFO\b/);

    const verbose = await runCtxpack(['--verbose', 'replay', file], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/\bINFO\b/);
  });
});

describe('npm start (ctxpack dev)', () => {
  it('runs the dev server, worker and the demo jobs: a rebuild, a reuse, an escalation, the multi-role job with the validator, the summaries and the UI links', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'ctxpack-start-'));
    const result = await runCtxpack(
      ['dev', '--exit-after-demo', ...(await freePorts(2)).flatMap((port, i) => [i === 0 ? '--port' : '--ui-port', String(port)])],
      { cwd, env: { TEMPORAL_CLI_PATH: inject('temporalCliPath'), TEMPORAL_ADDRESS: '' }, timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/a source changed; swap to big-coder-14b by Update: rebuilt sha256:[0-9a-f]{12} -> sha256:[0-9a-f]{12}/);
    expect(result.stderr).toMatch(/swap back to tiny-coder-1b \(nothing changed\): reused/);
    expect(result.stderr).toMatch(/escalated to big-coder-14b@local-large/);
    expect(result.stdout).toMatch(/status\s+passed/);
    expect(result.stdout).toMatch(/web ui\s+http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/ctxpack-demo-/);
    // The second story: the multi-role job, every seat printed (the validator's included).
    expect(result.stderr).toMatch(/plan, code, review, verify; the coder escalates after two failed verifications: MT-7\.2 in 1, MT-7\.1 in 3/);
    expect(result.stdout).toMatch(/seat orchestrator\s+orchestrator 1\.0\.0 on big-coder-14b @ local-large/);
    expect(result.stdout).toMatch(/seat validator\s+validator 1\.1\.0 on tiny-reviewer-1b @ local-small \(local\), pack sha256:[0-9a-f]{12}, role pack sha256:[0-9a-f]{12}, write: \(none\)/);
    expect(result.stdout).toMatch(/web ui\s+http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/ctxpack-demo-team-/);
  });
});
