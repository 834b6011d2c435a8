import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANTHROPIC_VERSION } from '../../../activities/providers/anthropic.js';
import { createProvider } from '../../../activities/providers/index.js';
import { RESPONSE_RESERVE_TOKENS } from '../../../shared/engine/assemble/index.js';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { anthropicAnswer, bodyOf, entryFor, FAKE_ANTHROPIC_KEY, requestFor, SIMPLE_MESSAGES } from './support/wire.js';

describe('Anthropic adapter', () => {
  let server: FakeProvider;
  const env = { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY };

  beforeEach(async () => {
    server = await startFakeProvider({ apiKey: FAKE_ANTHROPIC_KEY });
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  const provider = (options: { maxOutputTokens?: number } = {}) =>
    createProvider(entryFor('anthropic', server.origin, { apiKeyEnv: 'ANTHROPIC_API_KEY' }), { env, ...options });

  it('posts to /v1/messages with x-api-key and anthropic-version, and returns text, usage and the served model', async () => {
    server.answer(() =>
      anthropicAnswer({
        blocks: [
          { type: 'text', text: 'First part. ' },
          { type: 'thinking', thinking: 'skipped', signature: 'x' },
          { type: 'text', text: 'Second part.' },
        ],
        inputTokens: 55,
        outputTokens: 14,
        model: 'claude-sonnet-4-20250514',
      }),
    );
    const response = await provider().complete(requestFor());
    expect(response).toEqual({
      text: 'First part. Second part.',
      toolCalls: [],
      usage: { inputTokens: 55, outputTokens: 14 },
      providerModel: 'claude-sonnet-4-20250514',
    });
    const request = server.requests[0];
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
    expect(request?.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
    expect(ANTHROPIC_VERSION).toBe('2023-06-01');
  });

  it('sends the system text as one block marked cache_control ephemeral, the user text as the user turn, and max_tokens', async () => {
    server.answer(() => anthropicAnswer());
    await provider().complete(requestFor());
    const body = bodyOf(server.requests);
    expect(body['system']).toEqual([{ type: 'text', text: SIMPLE_MESSAGES[0]?.content, cache_control: { type: 'ephemeral' } }]);
    expect(body['messages']).toEqual([{ role: 'user', content: SIMPLE_MESSAGES[1]?.content }]);
    expect(body['max_tokens']).toBe(RESPONSE_RESERVE_TOKENS);
    expect(body).not.toHaveProperty('tools');

    await provider({ maxOutputTokens: 4096 }).complete(requestFor());
    expect(bodyOf(server.requests, 1)['max_tokens']).toBe(4096);
  });

  it('advertises allowed tools with input_schema and parses tool_use blocks into ToolCalls', async () => {
    server.answer(() =>
      anthropicAnswer({
        blocks: [
          { type: 'text', text: 'Writing the fix.' },
          { type: 'tool_use', id: 'toolu_1', name: 'write_file', input: { path: 'src/config.js', content: 'module.exports = {};\n' } },
          { type: 'tool_use', id: 'toolu_2', name: 'run_tests', input: {} },
        ],
      }),
    );
    const response = await provider().complete(requestFor({ allowedTools: ['read_file', 'run_tests', 'write_file'] }));
    expect(response.text).toBe('Writing the fix.');
    expect(response.toolCalls).toEqual([{ tool: 'write_file', path: 'src/config.js', content: 'module.exports = {};\n' }, { tool: 'run_tests' }]);
    const tools = bodyOf(server.requests)['tools'] as { name: string; input_schema: { required: string[] } }[];
    expect(tools.map((t) => t.name)).toEqual(['read_file', 'run_tests', 'write_file']);
    expect(tools[2]?.input_schema.required).toEqual(['path', 'content']);
  });

  it('counts cached and cache-written tokens into inputTokens and reports cache reads as cachedInputTokens', async () => {
    server.answer(() => anthropicAnswer({ inputTokens: 40, outputTokens: 10, cacheRead: 1800, cacheCreation: 0 }));
    expect((await provider().complete(requestFor())).usage).toEqual({ inputTokens: 1840, outputTokens: 10, cachedInputTokens: 1800 });

    // First call of a role: the prefix is written to the cache, nothing read from it.
    server.answer(() => anthropicAnswer({ inputTokens: 40, outputTokens: 10, cacheRead: 0, cacheCreation: 1800 }));
    expect((await provider().complete(requestFor())).usage).toEqual({ inputTokens: 1840, outputTokens: 10, cachedInputTokens: 0 });
  });

  it('joins base_url and path with exactly one slash', async () => {
    server.answer(() => anthropicAnswer());
    const entry = { ...entryFor('anthropic', server.origin, { apiKeyEnv: 'ANTHROPIC_API_KEY' }), base_url: `${server.origin}/` };
    await createProvider(entry, { env }).complete(requestFor());
    expect(server.requests[0]?.path).toBe('/v1/messages');
  });
});
