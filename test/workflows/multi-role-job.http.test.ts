/**
 * The multi-role job (orchestrator, coder, validator) end to end over real HTTP on 127.0.0.1, on the
 * dev server with a real worker, twice: every seat on the OpenAI-compatible adapter (local models),
 * then every seat on the Anthropic adapter (cloud models, with consent). The loopback fakes answer
 * structured results only when asked the way each real API takes it (test/support/multi-role-http.ts).
 *
 * The story, on both: the orchestrator's plan puts MT-7.2 before MT-7.1; the validator fails the
 * first review with a finding although verification passes, so the coder is sent back and sees the
 * finding in its next request; every later review passes.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_TOOL } from '../../activities/providers/anthropic.js';
import { invocations } from '../../cli/temporal/history-records.js';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import type { Seat } from '../../shared/core/schema/governed-job.js';
import type { FakeProvider, RecordedRequest } from '../activities/providers/support/fake-provider.js';
import { FAKE_ANTHROPIC_KEY } from '../activities/providers/support/wire.js';
import { runWorker, setupJob, TINY } from '../support/governed.js';
import { hostPaths, microTaskOf, modelOf, roleOf, useFakeProviders, useHttpProviders } from '../support/http-providers.js';
import { ORCHESTRATOR, REVIEWER, multiRoleInput, startMultiRole } from '../support/multi-role.js';
import {
  CLOUD_CODER,
  CLOUD_PLANNER,
  CLOUD_REVIEWER,
  FAILED_REVIEW,
  FINDING,
  FIRST_PLAN,
  FIXED_CONFIG,
  PASSED_REVIEW,
  multiRoleStory,
  putSeatsOnAnthropic,
  structuredAsk,
  systemText,
  toolNames,
  userText,
} from '../support/multi-role-http.js';
import { EXAMPLE_WORKSPACE, WORK_UNIT } from '../support/workspace.js';

type SeatName = 'orchestrator' | 'coder' | 'validator';

interface Run {
  readonly name: string;
  readonly api: 'openai-compatible' | 'anthropic';
  readonly seats: Readonly<Record<SeatName, Seat>>;
  readonly location: 'local' | 'cloud';
  readonly prepare?: (dir: string) => Promise<void>;
}

const RUNS: readonly Run[] = [
  { name: 'the OpenAI-compatible adapter (local models)', api: 'openai-compatible', seats: { orchestrator: ORCHESTRATOR, coder: TINY, validator: REVIEWER }, location: 'local' },
  {
    name: 'the Anthropic adapter (cloud models, with consent)',
    api: 'anthropic',
    seats: { orchestrator: CLOUD_PLANNER, coder: CLOUD_CODER, validator: CLOUD_REVIEWER },
    location: 'cloud',
    prepare: putSeatsOnAnthropic,
  },
];

const fakes = useFakeProviders();

/** What the role packs declare, from the example workspace: the schemas the wire must carry, the validator's rules. */
let packs: { verdict: unknown; plan: unknown; validatorRules: readonly string[] };
beforeAll(async () => {
  const ws = await Workspace.open(EXAMPLE_WORKSPACE);
  const validator = (await assemblePacks(ws, 'validator', { path: WORK_UNIT })).role.pack;
  const orchestrator = (await assemblePacks(ws, 'orchestrator', { path: WORK_UNIT })).role.pack;
  packs = { verdict: validator.result_schema, plan: orchestrator.result_schema, validatorRules: validator.strict_rules };
  expect(packs.validatorRules.length).toBeGreaterThan(0);
});

const workspaces: string[] = [];
afterAll(async () => {
  // Each copy sits alone in its own temp folder (copyExampleWorkspace).
  for (const dir of workspaces) await rm(path.dirname(dir), { recursive: true, force: true });
});

const key = (role: string, microTask: string, extra: string | number) => `${role}:${microTask}:${extra}`;

for (const run of RUNS) {
  describe(`the multi-role job on ${run.name}`, () => {
    it('plans, implements, fails a review with findings, sends the coder back with them, and passes', async () => {
      const setup = await setupJob(`multi-http-${run.api}`);
      workspaces.push(setup.dir);
      const { openai, anthropic } = fakes();
      await useHttpProviders(setup.dir, { small: openai.origin, large: openai.origin, cloud: anthropic.origin });
      await run.prepare?.(setup.dir);
      const [server, idle]: [FakeProvider, FakeProvider] = run.api === 'anthropic' ? [anthropic, openai] : [openai, anthropic];
      server.answer(multiRoleStory());
      const [start, idleStart] = [server.requests.length, idle.requests.length];

      const handle = await startMultiRole(setup, multiRoleInput({ seats: run.seats, cloud_consent: run.location === 'cloud' }));
      const result = await runWorker(setup, () => handle.result());

      // The plan's order, not the work unit's; the failed review cost MT-7.2 a second iteration.
      expect(result).toMatchObject({
        status: 'passed',
        micro_tasks: [
          { id: 'MT-7.2', iterations: 2 },
          { id: 'MT-7.1', iterations: 1 },
        ],
        invocations: 8,
        swaps: 0,
        reviews_failed: 1,
      });
      expect(result.seats.map((s) => [s.name, s.seat, s.location])).toEqual((['orchestrator', 'coder', 'validator'] as const).map((n) => [n, run.seats[n], run.location]));
      expect(await readFile(path.join(setup.dir, 'src/config.js'), 'utf8')).toBe(FIXED_CONFIG);

      // Every invocation in history carries its RoleExecutionIdentity: its seat's role, model and provider, its packs.
      const calls = invocations(await handle.fetchHistory());
      expect(calls.map((c) => key(c.result.identity.role_id, c.result.identity.micro_task, c.result.identity.iteration))).toEqual([
        'orchestrator:MT-7.1:1', // asked with the first pending micro-task; its plan picks MT-7.2
        'coder:MT-7.2:1', 'validator:MT-7.2:1',
        'coder:MT-7.2:2', 'validator:MT-7.2:2',
        'orchestrator:MT-7.1:1',
        'coder:MT-7.1:1', 'validator:MT-7.1:1',
      ]);
      for (const call of calls) {
        const seat = run.seats[call.result.identity.role_id as SeatName];
        expect(call.input.seat).toEqual(seat);
        expect(call.result.identity).toMatchObject({
          workflow_id: setup.workflowId,
          role_id: seat.role,
          model: seat.model,
          provider: seat.provider,
          location: run.location,
          role_pack_hash: call.input.binding.role_pack_hash,
          work_unit_pack_hash: call.input.binding.work_unit_pack_hash,
        });
        // Cloud calls get the projection (local-only items withheld), local ones do not.
        expect(call.result.projection !== undefined).toBe(run.location === 'cloud');
      }
      expect(new Set(calls.map((c) => c.result.identity.role_pack_hash)).size).toBe(3);

      // The plans and verdicts came back parsed and checked against the packs' schemas; the coder declares none.
      const byRole = (role: SeatName) => calls.filter((c) => c.result.identity.role_id === role);
      expect(byRole('orchestrator').map((c) => c.result.result)).toEqual([FIRST_PLAN, { next_micro_tasks: ['MT-7.1'] }]);
      expect(byRole('validator').map((c) => c.result.result)).toEqual([FAILED_REVIEW, PASSED_REVIEW, PASSED_REVIEW]);
      for (const call of [...byRole('orchestrator'), ...byRole('validator')]) expect(call.result.result_hash).toMatch(/^sha256:/);
      for (const call of byRole('coder')) expect(call.result.result).toBeUndefined();
      const coderCalls = byRole('coder');
      expect(coderCalls.map((c) => c.result.tool_calls)).toEqual(Array(3).fill([{ tool: 'write_file', path: 'src/config.js', allowed: true }]));
      expect(coderCalls[0]?.input.feedback).toBeUndefined();
      expect(JSON.parse(coderCalls[1]?.input.feedback ?? '{}')).toEqual({ review: { verdict: 'fail', findings: [FINDING] }, verification: 'passed' });

      // On the wire: one request per invocation, in order, each for its seat's model, on this adapter's server only.
      const sent = server.requests.slice(start);
      expect(idle.requests).toHaveLength(idleStart);
      expect(sent.map((r) => key(roleOf(r), microTaskOf(r), modelOf(r)))).toEqual(calls.map((c) => key(c.result.identity.role_id, c.result.identity.micro_task, c.result.identity.model)));
      const requestsOf = (role: SeatName) => sent.filter((r) => roleOf(r) === role);

      // The validator was asked for its verdict the way this API takes structured output, under its pack's rules.
      for (const request of requestsOf('validator')) {
        expect(structuredAsk(request)).toEqual(packs.verdict);
        const json = request.json as Record<string, unknown>;
        if (run.api === 'anthropic') {
          expect(json['tool_choice']).toEqual({ type: 'tool', name: RESULT_TOOL });
          expect(toolNames(request)).toEqual(['read_file', 'run_tests', RESULT_TOOL]);
        } else {
          // Not strict: a finding's `line` is optional, which OpenAI's strict mode cannot express.
          expect(json['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'result', strict: false, schema: packs.verdict } });
          expect(toolNames(request)).toEqual(['read_file', 'run_tests']);
        }
        expect(systemText(request)).toContain('You act as the role "validator"');
        for (const rule of packs.validatorRules) expect(systemText(request)).toContain(rule);
      }
      for (const request of requestsOf('orchestrator')) expect(structuredAsk(request)).toEqual(packs.plan);
      if (run.api === 'openai-compatible') {
        // Not strict either: the plan's ids carry minLength/maxLength, which strict mode does not list.
        for (const request of requestsOf('orchestrator')) {
          expect((request.json as { response_format?: { json_schema?: { strict?: unknown } } }).response_format?.json_schema?.strict).toBe(false);
        }
      }

      // The coder was asked for no result, only tool calls; its second request carried the finding as data.
      const coderRequests = requestsOf('coder');
      for (const request of coderRequests) {
        expect(structuredAsk(request)).toBeUndefined();
        expect(toolNames(request)).toEqual(['read_file', 'run_tests', 'write_file']);
        expect(request.json).not.toHaveProperty('response_format');
        expect(request.json).not.toHaveProperty('tool_choice');
      }
      expect(userText(coderRequests[0] as RecordedRequest)).not.toContain('previous_attempt_feedback');
      expect(userText(coderRequests[1] as RecordedRequest)).toContain('previous_attempt_feedback');
      expect(userText(coderRequests[1] as RecordedRequest)).toContain(FINDING.message);
      expect(userText(coderRequests[2] as RecordedRequest)).not.toContain(FINDING.message);

      for (const request of sent) {
        expect(request.body).not.toContain(FAKE_ANTHROPIC_KEY);
        for (const hostPath of hostPaths(setup.dir)) expect(request.body.includes(hostPath), `request body contains ${hostPath}`).toBe(false);
        if (run.api === 'anthropic') expect(request.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
        else expect(request.headers.authorization).toBeUndefined();
      }
    });
  });
}
