import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../../activities/providers/index.js';
import { ProviderError } from '../../../activities/providers/model-provider.js';
import { TOOL_SCHEMAS } from '../../../activities/providers/tool-schemas.js';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { bodyOf, entryFor, FAKE_OPENAI_KEY, openaiAnswer, requestFor, SIMPLE_MESSAGES } from './support/wire.js';

describe('OpenAI-compatible adapter', () => {
  let server: FakeProvider;
  const env = { OPENAI_API_KEY: FAKE_OPENAI_KEY };

  beforeEach(async () => {
    server = await startFakeProvider({ apiKey: FAKE_OPENAI_KEY });
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  const provider = () => createProvider(entryFor('openai-compatible', server.origin, { apiKeyEnv: 'OPENAI_API_KEY' }), { env });

  it('sends the rendered messages as they are and returns text, usage and the served model id', async () => {
    server.answer(() => openaiAnswer({ text: 'All set.', promptTokens: 321, completionTokens: 12, model: 'qwen2.5-coder:1.5b-q4' }));
    const response = await provider().complete(requestFor());

    expect(response).toEqual({
      text: 'All set.',
      toolCalls: [],
      usage: { inputTokens: 321, outputTokens: 12 },
      providerModel: 'qwen2.5-coder:1.5b-q4',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    const body = bodyOf(server.requests);
    expect(body['model']).toBe('alias-model');
    expect(body['messages']).toEqual(SIMPLE_MESSAGES.map((m) => ({ role: m.role, content: m.content })));
    expect(body).not.toHaveProperty('tools'); // no allowed tools: none advertised
  });

  it('advertises the allowed tools as functions, in pack order, skipping tools it cannot describe', async () => {
    server.answer(() => openaiAnswer());
    await provider().complete(requestFor({ allowedTools: ['read_file', 'run_tests', 'teleport', 'write_file'] }));
    const tools = bodyOf(server.requests)['tools'] as { function: { name: string; parameters: unknown } }[];
    expect(tools.map((t) => t.function.name)).toEqual(['read_file', 'run_tests', 'write_file']);
    expect(tools[2]?.function.parameters).toEqual(TOOL_SCHEMAS['write_file']?.parameters);
  });

  it('parses tool calls into ToolCalls: JSON-text arguments, empty arguments and object arguments', async () => {
    server.answer(() =>
      openaiAnswer({
        text: null,
        toolCalls: [
          { name: 'write_file', arguments: JSON.stringify({ path: 'src/config.js', content: 'export const x = 1;\n' }) },
          { name: 'run_tests', arguments: '' },
          // Older Ollama sends the arguments object itself.
          { name: 'read_file', arguments: { path: 'docs/codex.md', extra: true } },
          // A tool the role lacks is still returned: the gate refuses and records it.
          { name: 'delete_everything', arguments: '{}' },
        ],
      }),
    );
    const response = await provider().complete(requestFor({ allowedTools: ['read_file', 'write_file', 'run_tests'] }));
    expect(response.text).toBe('');
    expect(response.toolCalls).toEqual([
      { tool: 'write_file', path: 'src/config.js', content: 'export const x = 1;\n' },
      { tool: 'run_tests' },
      { tool: 'read_file', path: 'docs/codex.md' },
      { tool: 'delete_everything' },
    ]);
  });

  it('records cached prompt tokens from usage.prompt_tokens_details.cached_tokens', async () => {
    server.answer(() => openaiAnswer({ promptTokens: 2000, completionTokens: 40, cachedTokens: 1536 }));
    const response = await provider().complete(requestFor());
    expect(response.usage).toEqual({ inputTokens: 2000, outputTokens: 40, cachedInputTokens: 1536 });
  });

  it('refuses tool calls with unparseable or mistyped arguments as bad responses', async () => {
    server.answer(() => openaiAnswer({ toolCalls: [{ name: 'write_file', arguments: '{"path": "src/a.js", ' }] }));
    const error = await provider().complete(requestFor({ allowedTools: ['write_file'] })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    expect((error as Error).message).toContain('not valid JSON');

    server.answer(() => openaiAnswer({ toolCalls: [{ name: 'write_file', arguments: JSON.stringify({ path: ['src/a.js'] }) }] }));
    await expect(provider().complete(requestFor({ allowedTools: ['write_file'] }))).rejects.toMatchObject({
      kind: 'bad-response',
      message: expect.stringContaining('"path" is not a string'),
    });
  });

  it('sends no credentials to a provider that declares no api_key_env', async () => {
    const keyless = await startFakeProvider();
    try {
      keyless.answer(() => openaiAnswer());
      const local = createProvider(entryFor('openai-compatible', keyless.origin), { env });
      await local.complete(requestFor());
      expect(keyless.requests[0]?.headers.authorization).toBeUndefined();
      expect(keyless.violations).toEqual([]);
    } finally {
      await keyless.close();
    }
  });
});
