import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinPrompt, parseFencedToolCalls } from '../../../activities/providers/completion.js';
import { createProvider } from '../../../activities/providers/index.js';
import { ProviderError } from '../../../activities/providers/model-provider.js';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { bodyOf, completionAnswer, entryFor, requestFor, SIMPLE_MESSAGES } from './support/wire.js';

const fence = (json: string) => ['```tool', json, '```'].join('\n');

describe('completion adapter', () => {
  let server: FakeProvider;

  beforeEach(async () => {
    server = await startFakeProvider(); // a local, keyless completion server
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  const provider = () => createProvider(entryFor('completion', server.origin), {});

  it('sends ONE prompt (system, blank line, user) with max_tokens and no tools, and parses text, usage and model', async () => {
    server.answer(() => completionAnswer({ text: 'Nothing to change.', promptTokens: 90, completionTokens: 4, cachedTokens: 64, model: 'llama-3.2-1b' }));
    const response = await provider().complete(requestFor({ allowedTools: ['read_file', 'write_file'] }));
    expect(response).toEqual({
      text: 'Nothing to change.',
      toolCalls: [],
      usage: { inputTokens: 90, outputTokens: 4, cachedInputTokens: 64 },
      providerModel: 'llama-3.2-1b',
    });
    expect(server.requests[0]?.path).toBe('/v1/completions');
    const body = bodyOf(server.requests);
    expect(body['prompt']).toBe(`${SIMPLE_MESSAGES[0]?.content}\n${SIMPLE_MESSAGES[1]?.content}`);
    expect(body['max_tokens']).toBeGreaterThan(16);
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'model', 'prompt', 'stream']);
  });

  it('joins messages without a trailing line break by a blank line too', () => {
    expect(joinPrompt([{ role: 'system', content: 'sys' }, { role: 'user', content: 'usr' }])).toBe('sys\n\nusr\n');
  });

  it('parses tool requests from ```tool blocks only, when the role allows tools', async () => {
    const text = [
      'I will update the config.',
      fence(JSON.stringify({ tool: 'write_file', path: 'src/config.js', content: 'a\n```\nb\n' })),
      'Other fences are ignored:',
      '```json',
      '{"tool": "write_file", "path": "src/evil.js", "content": "x"}',
      '```',
      'So is prose: call write_file on src/evil.js.',
      '  ```tool',
      '  {"tool": "write_file", "path": "src/indented.js"}',
      '  ```',
      fence('{\n "tool": "run_tests"\n}'),
    ].join('\n');
    server.answer(() => completionAnswer({ text }));

    const withTools = await provider().complete(requestFor({ allowedTools: ['run_tests', 'write_file'] }));
    expect(withTools.text).toBe(text);
    expect(withTools.toolCalls).toEqual([{ tool: 'write_file', path: 'src/config.js', content: 'a\n```\nb\n' }, { tool: 'run_tests' }]);

    const withoutTools = await provider().complete(requestFor({ allowedTools: [] }));
    expect(withoutTools.text).toBe(text);
    expect(withoutTools.toolCalls).toEqual([]);
  });

  it('refuses malformed tool blocks as bad responses, but only when tools are allowed', async () => {
    server.answer(() => completionAnswer({ text: `ok\n${fence('{"tool": "write_file", "path": "src/a.js",}')}` }));
    const error = await provider().complete(requestFor({ allowedTools: ['write_file'] })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'bad-response', retryable: false });
    await expect(provider().complete(requestFor({ allowedTools: [] }))).resolves.toMatchObject({ toolCalls: [] });
  });

  it('accepts only the documented block shape', () => {
    expect(() => parseFencedToolCalls('p', '```tool\n{"tool": "write_file"')).toThrow(/never closed/);
    expect(() => parseFencedToolCalls('p', fence('{"tool": "write_file", "mode": "append"}'))).toThrow(/not \{"tool"/);
    expect(() => parseFencedToolCalls('p', fence('[{"tool": "write_file"}]'))).toThrow(/not \{"tool"/);
    expect(() => parseFencedToolCalls('p', fence('{"tool": "write_file", "path": 7}'))).toThrow(/not \{"tool"/);
    expect(parseFencedToolCalls('p', 'no blocks here\n```\n{"tool": "x"}\n```')).toEqual([]);
    expect(parseFencedToolCalls('p', fence('{"tool": "read_file", "path": "docs/a.md"}').replace(/\n/g, '\r\n'))).toEqual([
      { tool: 'read_file', path: 'docs/a.md' },
    ]);
  });
});
