/**
 * The OpenAI-compatible adapter's constrained tool-call modes over loopback HTTP, and the server
 * errors the real llama-server showed (see test/model/ for the same against the real server): a
 * grammar or JSON schema instead of `tools` (servers refuse both together), the call parsed from
 * the content, `max_tokens` from the model's request_fit, the context-window refusal classified,
 * and a model id that is a host path never passed on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConstrainedCall, toolCallGrammar, toolCallJsonSchema } from '../../../activities/providers/constrained-tools.js';
import { createProvider } from '../../../activities/providers/index.js';
import { ProviderError } from '../../../activities/providers/model-provider.js';
import { toolSchemasFor } from '../../../activities/providers/tool-schemas.js';
import { ProviderEntry } from '../../../shared/core/schema/providers.js';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { bodyOf, openaiAnswer, requestFor } from './support/wire.js';

let server: FakeProvider;
beforeEach(async () => {
  server = await startFakeProvider();
});
afterEach(async () => {
  expect(server.violations).toEqual([]);
  await server.close();
});

const entry = (mode: 'grammar' | 'json_schema' | 'native') =>
  ProviderEntry.parse({ id: 'local-llama', kind: 'local', api: 'openai-compatible', base_url: `${server.origin}/v1`, tool_calls: mode, models: [{ id: 'm', context_window: 4096 }] });

describe('constrained tool calls', () => {
  it('derives a grammar with one alternative per allowed tool, in pack order, and no other name', () => {
    const grammar = toolCallGrammar(toolSchemasFor(['run_tests', 'write_file', 'teleport']));
    expect(grammar.split('\n')[0]).toBe('root ::= call0 | call1');
    expect(grammar).toContain('call0 ::= "{" ws "\\"name\\"" ws ":" ws "\\"run_tests\\""');
    expect(grammar).toContain('args1 ::= "{" ws "\\"path\\"" ws ":" ws path ws "," ws "\\"content\\"" ws ":" ws string ws "}"');
    expect(grammar).not.toContain('teleport');
    expect(grammar).not.toContain('read_file');
    const schema = toolCallJsonSchema(toolSchemasFor(['read_file'])) as { anyOf: { properties: { name: unknown } }[] };
    expect(schema.anyOf.map((s) => s.properties.name)).toEqual([{ const: 'read_file' }]);
  });

  it('grammar mode sends the grammar and no tools, with max_tokens, and parses the call from the content', async () => {
    server.answer(() => openaiAnswer({ text: '{"name": "write_file", "arguments": {"path": "src/a.js", "content": "x"}}', model: '/srv/models/gemma.gguf' }));
    const response = await createProvider(entry('grammar')).complete({ ...requestFor({ allowedTools: ['read_file', 'write_file'] }), maxOutputTokens: 128 });
    const body = bodyOf(server.requests);
    expect(body).not.toHaveProperty('tools');
    expect(body['grammar']).toBe(toolCallGrammar(toolSchemasFor(['read_file', 'write_file'])));
    expect(body['max_tokens']).toBe(128);
    expect(response.toolCalls).toEqual([{ tool: 'write_file', path: 'src/a.js', content: 'x' }]);
    // llama-server without --alias names its model by the file's host path: never passed on.
    expect(response.providerModel).toBe('alias-model');
  });

  it('json_schema mode sends response_format; native mode still sends tools; no tools means no constraint', async () => {
    server.answer(() => openaiAnswer({ text: '{"name":"run_tests","arguments":{}}' }));
    const constrained = await createProvider(entry('json_schema')).complete(requestFor({ allowedTools: ['run_tests'] }));
    expect(bodyOf(server.requests, 0)['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'tool_call', strict: true, schema: toolCallJsonSchema(toolSchemasFor(['run_tests'])) },
    });
    expect(constrained.toolCalls).toEqual([{ tool: 'run_tests' }]);
    await createProvider(entry('native')).complete(requestFor({ allowedTools: ['run_tests'] }));
    expect(bodyOf(server.requests, 1)).toHaveProperty('tools');
    const plain = await createProvider(entry('grammar')).complete(requestFor());
    expect(bodyOf(server.requests, 2)).not.toHaveProperty('grammar');
    expect(plain.toolCalls).toEqual([]);
  });

  it('refuses a constrained answer that is not one {name, arguments} object, quoting nothing from it', async () => {
    server.answer(() => openaiAnswer({ text: 'Sure! I will call write_file with secret-ish content' }));
    const failure = await createProvider(entry('grammar')).complete(requestFor({ allowedTools: ['write_file'] })).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).kind).toBe('bad-response');
    expect((failure as ProviderError).message).not.toContain('secret');
    expect(() => parseConstrainedCall('p', '{"name":"x"}')).toThrow(/not \{"name", "arguments"\}/);
  });

  it("classifies llama.cpp's and OpenAI's context-window refusals as the class context-window", async () => {
    server.answer(() => ({ status: 400, json: { error: { code: 400, type: 'exceed_context_size_error', message: 'prompt of 5414 tokens: secret text', n_prompt_tokens: 5414, n_ctx: 4096 } } }));
    const llama = (await createProvider(entry('native')).complete(requestFor()).catch((err: unknown) => err)) as ProviderError;
    expect([llama.kind, llama.retryable, llama.message]).toEqual([
      'context-window',
      false,
      'provider "local-llama" answered HTTP 400 (exceed_context_size_error): the prompt does not fit the model\'s context window',
    ]);
    server.answer(() => ({ status: 400, json: { error: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too long' } } }));
    const openai = (await createProvider(entry('native')).complete(requestFor()).catch((err: unknown) => err)) as ProviderError;
    expect(openai.kind).toBe('context-window');
  });
});
