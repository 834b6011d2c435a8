/**
 * The escalation ladder end to end over real HTTP on 127.0.0.1, on the dev server with a real worker:
 * a small local model and a larger local one behind OpenAI-compatible fake servers, a cloud model
 * behind an Anthropic fake. The fakes answer with the demo script's tool calls, so the small model
 * really breaks src/config.js and verification really fails; the others really fix it.
 *
 * Proven here: escalation after failed verifications (with a context-window rebuild), escalation on
 * HTTP 503 and 429 when the role lists those error classes, the cloud rung only with consent and
 * then with the projection and Anthropic's cache marker, and one role prefix, byte for byte, on
 * both wire formats across the rungs of one job.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../shared/engine/hash.js';
import { invocations, swaps } from '../../cli/temporal/history-records.js';
import { packState } from '../../workflows/governed-job.js';
import { startFakeProvider, type FakeProvider, type RecordedRequest } from '../activities/providers/support/fake-provider.js';
import { FAKE_ANTHROPIC_KEY } from '../activities/providers/support/wire.js';
import { jobInput, runWorker, setupJob, startJob, type JobSetup } from '../support/governed.js';
import { CLOUD_KEY_ENV, HTTP_CLOUD, HTTP_LARGE, HTTP_SMALL, demoReply, hostPaths, microTaskOf, useHttpProviders, type HttpRegistry } from '../support/http-providers.js';

/** The local-only open loop of the example notes: local models see it, cloud models must not. */
const LOCAL_ONLY = 'Ops still has to confirm the allowed logLevel values.';

let small: FakeProvider;
let large: FakeProvider;
let cloud: FakeProvider;

beforeAll(() => {
  // The default provider factory reads the cloud key from process.env at call time; only for this file.
  process.env[CLOUD_KEY_ENV] = FAKE_ANTHROPIC_KEY;
});
afterAll(() => {
  delete process.env[CLOUD_KEY_ENV];
});

beforeEach(async () => {
  small = await startFakeProvider();
  large = await startFakeProvider();
  cloud = await startFakeProvider({ apiKey: FAKE_ANTHROPIC_KEY });
  for (const server of [small, large, cloud]) server.answer((request) => demoReply(request));
});
afterEach(async () => {
  for (const server of [small, large, cloud]) {
    expect(server.violations).toEqual([]);
    await server.close();
  }
});

async function httpJob(label: string, registry: Omit<HttpRegistry, 'small' | 'large' | 'cloud'> = {}): Promise<JobSetup> {
  const setup = await setupJob(label);
  await useHttpProviders(setup.dir, { small: small.origin, large: large.origin, cloud: cloud.origin, ...registry });
  return setup;
}

interface ChatBody {
  readonly messages: readonly { readonly role: string; readonly content: string }[];
  readonly tools?: readonly { readonly function: { readonly name: string } }[];
}
interface MessagesBody {
  readonly system: readonly { readonly type: string; readonly text: string; readonly cache_control?: unknown }[];
  readonly messages: readonly { readonly role: string; readonly content: string }[];
  readonly tools?: readonly { readonly name: string }[];
}
const chat = (request: RecordedRequest) => request.json as ChatBody;
const messages = (request: RecordedRequest) => request.json as MessagesBody;

/** No request any server received holds the key or a host path. */
function expectNoLeaks(dir: string): void {
  const all = [...small.requests, ...large.requests, ...cloud.requests];
  for (const request of all) {
    expect(request.body).not.toContain(FAKE_ANTHROPIC_KEY);
    for (const hostPath of hostPaths(dir)) expect(request.body.includes(hostPath), `request body contains ${hostPath}`).toBe(false);
  }
}

describe('the escalation ladder over HTTP', () => {
  it('escalates from the small local model to the larger one after two failed verifications, rebuilt for the larger context window', async () => {
    const setup = await httpJob('ladder-http-verify', { windows: { small: 2048 } });
    const handle = await startJob(setup, jobInput(HTTP_SMALL));
    const { result, state } = await runWorker(setup, async () => ({ result: await handle.result(), state: await handle.query(packState) }));

    expect(result).toMatchObject({ status: 'passed', seat: HTTP_LARGE, micro_tasks: [{ id: 'MT-7.1', iterations: 3 }, { id: 'MT-7.2', iterations: 1 }] });
    expect(small.requests.map(microTaskOf)).toEqual(['MT-7.1', 'MT-7.1']);
    expect(large.requests.map(microTaskOf)).toEqual(['MT-7.1', 'MT-7.2']);
    expect(cloud.requests).toHaveLength(0);
    // The second small request carried the first verification's failure back as data.
    expect(chat(small.requests[0] as RecordedRequest).messages[1]?.content).not.toContain('previous_attempt_feedback');
    expect(chat(small.requests[1] as RecordedRequest).messages[1]?.content).toContain('previous_attempt_feedback');
    // What the larger model wrote is what passed verification.
    expect(await readFile(path.join(setup.dir, 'src/config.js'), 'utf8')).toContain("throw new Error('config key port must be a positive integer')");

    expect(state.swap_log).toHaveLength(1);
    const entry = state.swap_log[0];
    expect(entry).toMatchObject({ reason: 'escalation', via: 'workflow', requester: 'workflow', from: HTTP_SMALL, to: HTTP_LARGE, outcome: 'rebuilt' });
    expect(entry?.requested_pack_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(entry?.effective_pack_hash).not.toBe(entry?.requested_pack_hash);

    const history = await handle.fetchHistory();
    const [swapRecord] = swaps(history);
    expect(swapRecord?.result.result).toMatchObject({
      decision: 'rebuilt',
      // The small model's write changed src/config.js, a required file; the larger window re-trimmed the payload.
      rebuild_reasons: ['sources-changed', 'context-window'],
      requested_pack_hash: entry?.requested_pack_hash,
      effective_pack_hash: entry?.effective_pack_hash,
    });
    const calls = invocations(history);
    expect(calls.map((c) => [c.result.identity.provider, c.result.identity.work_unit_pack_hash])).toEqual([
      ['local-small', entry?.requested_pack_hash],
      ['local-small', entry?.requested_pack_hash],
      ['local-large', entry?.effective_pack_hash],
      ['local-large', entry?.effective_pack_hash],
    ]);
    // The small model's write to its own role file came over the wire too, and was denied.
    expect(calls[0]?.result.tool_calls).toEqual([
      { tool: 'write_file', path: 'src/config.js', allowed: true },
      { tool: 'write_file', path: '.ctxpack/roles/coder.yaml', allowed: false, rule: 'lock-deny' },
    ]);
    expectNoLeaks(setup.dir);
  });

  it('escalates on HTTP 503 from a provider when the role lists "unavailable"', async () => {
    const setup = await httpJob('ladder-http-503', { escalateOn: ['unavailable'] });
    small.answer(() => ({ status: 503, json: { error: { type: 'overloaded_error', message: 'upstream busy, prompt was: secret stuff' } } }));
    const handle = await startJob(setup, jobInput(HTTP_SMALL));
    const { result, state } = await runWorker(setup, async () => ({ result: await handle.result(), state: await handle.query(packState) }));

    expect(result).toMatchObject({ status: 'passed', seat: HTTP_LARGE });
    // A class the role escalates on is final for that model: no retries against it, straight up the ladder.
    expect(small.requests).toHaveLength(1);
    expect(state.swap_log).toEqual([
      expect.objectContaining({ reason: 'escalation', via: 'workflow', requester: 'workflow:provider-unavailable', from: HTTP_SMALL, to: HTTP_LARGE }),
    ]);
    const history = await handle.fetchHistory();
    const failed = (history.events ?? []).flatMap((event) => (event.activityTaskFailedEventAttributes ? [event.activityTaskFailedEventAttributes.failure] : []));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toBe('provider "local-small" answered HTTP 503 (overloaded_error): provider unavailable');
    expect(failed[0]?.applicationFailureInfo?.type).toBe('Provider:unavailable');
    expect(invocations(history).map((c) => c.result.identity.provider)).toEqual(['local-large', 'local-large']);
  });

  it(
    'with consent, a 429 from the larger model hands the job to the cloud rung, which gets the projection, the cache marker and the same role prefix',
    async () => {
      const setup = await httpJob('ladder-http-cloud', { escalateOn: ['rate-limited'] });
      large.answer(() => ({ status: 429, json: { error: { type: 'rate_limit_error', message: 'slow down' } }, headers: { 'retry-after': '1' } }));
      const handle = await startJob(setup, jobInput(HTTP_SMALL, { cloud_consent: true }));
      const { result, state } = await runWorker(setup, async () => ({ result: await handle.result(), state: await handle.query(packState) }));

      expect(result).toMatchObject({ status: 'passed', seat: HTTP_CLOUD });
      expect(state.swap_log.map((e) => [e.requester, e.from, e.to])).toEqual([
        ['workflow', HTTP_SMALL, HTTP_LARGE],
        ['workflow:provider-rate-limited', HTTP_LARGE, HTTP_CLOUD],
      ]);
      // The small model's write changed a source; nothing changed between the larger model and the cloud:
      // the cloud rung reuses the pack byte for byte, whatever wire format carries it.
      expect(state.swap_log.map((e) => e.outcome)).toEqual(['rebuilt', 'reused']);
      expect(small.requests).toHaveLength(2);
      expect(large.requests).toHaveLength(1);
      expect(cloud.requests.map(microTaskOf)).toEqual(['MT-7.1', 'MT-7.2']);

      // The projection: the larger local model was sent the local-only item, the cloud model never.
      for (const request of large.requests) expect(chat(request).messages[1]?.content).toContain(LOCAL_ONLY);
      for (const request of cloud.requests) {
        expect(request.body).not.toContain(LOCAL_ONLY);
        expect(request.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
      }
      const calls = invocations(await handle.fetchHistory());
      const cloudCalls = calls.filter((c) => c.result.identity.location === 'cloud');
      expect(cloudCalls).toHaveLength(2);
      for (const call of cloudCalls) expect(call.result.projection?.counts['local-only']).toBe(1);

      // One role prefix, byte for byte, on both wire formats and every rung; Anthropic's copy marked for caching.
      const prefix = chat(small.requests[0] as RecordedRequest).messages[0]?.content ?? '';
      expect(prefix).toContain('coder');
      const sent = [
        ...[...small.requests, ...large.requests].map((r) => chat(r).messages[0]?.content),
        ...cloud.requests.map((r) => messages(r).system[0]?.text),
      ];
      expect(sent).toHaveLength(2 + 1 + 2);
      for (const text of sent) expect(Buffer.from(text ?? '', 'utf8').equals(Buffer.from(prefix, 'utf8'))).toBe(true);
      for (const request of cloud.requests) {
        expect(messages(request).system).toEqual([{ type: 'text', text: prefix, cache_control: { type: 'ephemeral' } }]);
        // The raw body holds the prefix exactly as the OpenAI-format bodies do.
        expect(request.body).toContain(JSON.stringify(prefix));
      }
      expect(small.requests[0]?.body).toContain(JSON.stringify(prefix));
      // The same tools, in the same order, in both formats.
      const openaiTools = chat(small.requests[0] as RecordedRequest).tools?.map((t) => t.function.name);
      expect(messages(cloud.requests[0] as RecordedRequest).tools?.map((t) => t.name)).toEqual(openaiTools);
      // And the recorded identities say so: one role pack, one prefix hash, the hash of those bytes.
      expect(new Set(calls.map((c) => c.result.identity.prefix_hash))).toEqual(new Set([sha256(Buffer.from(prefix, 'utf8'))]));
      expect(new Set(calls.map((c) => c.result.identity.role_pack_hash)).size).toBe(1);
      expectNoLeaks(setup.dir);
    },
  );

  it('without consent, the ladder stops below the cloud rung: the job fails and nothing reaches the cloud server', async () => {
    const setup = await httpJob('ladder-http-noconsent');
    // The larger model gets it wrong too, like the small one.
    large.answer((request) => demoReply(request, HTTP_SMALL.model));
    const handle = await startJob(setup, jobInput(HTTP_SMALL));
    const { error, state } = await runWorker(setup, async () => ({
      error: await handle.result().catch((err: unknown) => err),
      state: await handle.query(packState),
    }));

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as ApplicationFailure).type).toBe('MicroTaskExhausted');
    expect(state).toMatchObject({ cloud_consent: false, seat: HTTP_LARGE, location: 'local' });
    expect(state.swap_log.map((e) => e.to)).toEqual([HTTP_LARGE]);
    expect(small.requests).toHaveLength(2);
    expect(large.requests).toHaveLength(4);
    expect(cloud.requests).toHaveLength(0);
  });
});
