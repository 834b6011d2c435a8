/**
 * Failures, for every HTTP adapter: each maps to the ProviderError kind the escalation ladder reacts
 * to, and no message carries the key, the request, or where the provider lives.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../../activities/providers/index.js';
import { ProviderError } from '../../../activities/providers/model-provider.js';
import { startFakeProvider, type FakeProvider, type WireApi } from './support/fake-provider.js';
import { entryFor, FAKE_ANTHROPIC_KEY, requestFor, SIMPLE_MESSAGES, textAnswer } from './support/wire.js';

const APIS: readonly WireApi[] = ['openai-compatible', 'anthropic', 'completion'];
const KEY_ENV = 'CTXPACK_TEST_PROVIDER_KEY';
const KEY = FAKE_ANTHROPIC_KEY;

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(outcome)}`);
  return outcome;
}

describe.each(APIS)('%s adapter failures', (api) => {
  let server: FakeProvider;

  beforeEach(async () => {
    server = await startFakeProvider({ apiKey: KEY });
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  const provider = (options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) =>
    createProvider(entryFor(api, server.origin, { id: `team-${api}`, apiKeyEnv: KEY_ENV }), { env: { [KEY_ENV]: KEY }, ...options });

  /** Every message: names the provider, never the key, the prompt, or the server's address. */
  function expectClean(error: ProviderError): void {
    expect(error.message).toContain(`team-${api}`);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain(KEY.slice(-8));
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.message).not.toContain('Task: fix parseConfig');
  }

  it.each([401, 403])('HTTP %i is a non-retryable bad-response naming the provider, never the key', async (status) => {
    // Real providers echo (part of) the rejected key in the error text; none of it may pass through.
    server.answer(() => ({ status, json: { error: { type: 'authentication_error', message: `Incorrect API key provided: ${KEY}` } } }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(error.message).toContain(`HTTP ${status}`);
    expectClean(error);
  });

  it('HTTP 429 is a retryable rate-limited error', async () => {
    server.answer(() => ({ status: 429, headers: { 'retry-after': '17' }, json: { error: { type: 'rate_limit_error', message: 'slow down' } } }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'rate-limited', retryable: true });
    expect(error.message).toContain('rate_limit_error');
    expect(error.message).toContain('retry after 17s');
    expectClean(error);
  });

  it.each([500, 503, 529])('HTTP %i is a retryable unavailable error', async (status) => {
    server.answer(() => ({ status, raw: '<html>upstream down</html>' }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(error.message).not.toContain('upstream down');
    expectClean(error);
  });

  it('HTTP 400 is a non-retryable bad-response carrying only the error type token', async () => {
    server.answer(() => ({ status: 400, json: { error: { type: 'invalid_request_error', message: `prompt too long: ${SIMPLE_MESSAGES[1]?.content ?? ''}` } } }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(error.message).toContain('invalid_request_error');
    expectClean(error);
  });

  it('a 200 whose body is not JSON is a bad-response', async () => {
    server.answer(() => ({ raw: '{"choices": [ {"message": ' }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(error.message).toContain('not JSON');
    expectClean(error);
  });

  it('a 200 JSON answer of the wrong shape is a bad-response naming the field', async () => {
    server.answer(() => ({ json: { id: 'x', usage: { prompt_tokens: 'many' } } }));
    const error = await failure(provider().complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(error.message).toMatch(/unexpected .* shape \(at \w+/);
    expectClean(error);
  });

  it('a server that never answers times out (retryable) after timeoutMs', async () => {
    server.answer(() => ({ hang: true }));
    const started = Date.now();
    const error = await failure(provider({ timeoutMs: 300 }).complete(requestFor()));
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(error.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  it('an unreachable server is a retryable unavailable error', async () => {
    const gone = await startFakeProvider();
    const origin = gone.origin;
    await gone.close(); // nothing listens on that loopback port any more
    const unreachable = createProvider(entryFor(api, origin, { id: `team-${api}`, apiKeyEnv: KEY_ENV }), { env: { [KEY_ENV]: KEY } });
    const error = await failure(unreachable.complete(requestFor()));
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    expectClean(error);
  });

  it.each([
    ['unset', {}],
    ['empty', { [KEY_ENV]: '' }],
  ])('a declared key that is %s fails non-retryably, naming the variable, and sends nothing', async (_label, env) => {
    server.answer(() => textAnswer(api));
    const error = await failure(provider({ env }).complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(error.message).toContain(KEY_ENV);
    expect(server.requests).toHaveLength(0);
    expectClean(error);
  });

  it('a key with a line break is refused before the request, without quoting it', async () => {
    server.answer(() => textAnswer(api));
    const error = await failure(provider({ env: { [KEY_ENV]: `${KEY}\r\nx-injected: 1` } }).complete(requestFor()));
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect(server.requests).toHaveLength(0);
    expectClean(error);
  });

  it('reads the key at call time, so a rotated key is used without rebuilding the provider', async () => {
    server.answer(() => textAnswer(api));
    const env: NodeJS.ProcessEnv = {};
    const adapter = provider({ env });
    await expect(adapter.complete(requestFor())).rejects.toMatchObject({ kind: 'bad-response' });
    env[KEY_ENV] = KEY;
    await expect(adapter.complete(requestFor())).resolves.toMatchObject({ toolCalls: [] });
    expect(server.requests).toHaveLength(1);
  });
});
