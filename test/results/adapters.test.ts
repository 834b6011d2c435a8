/**
 * Structured results on the wire (#16): each adapter asks for the role's result in its provider's
 * own way and hands back the raw candidate, unvalidated; tool calls still come back for the gate.
 * Loopback HTTP fakes, never mocks.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RESULT_TOOL } from '../../activities/providers/anthropic.js';
import { createProvider } from '../../activities/providers/index.js';
import { resultFromText } from '../../activities/providers/result-candidate.js';
import { ScriptedProvider } from '../../activities/providers/scripted.js';
import type { ModelRequest } from '../../activities/providers/model-provider.js';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import type { ResultSchema } from '../../shared/core/schema/result-schema.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { startFakeProvider, type FakeProvider } from '../activities/providers/support/fake-provider.js';
import { anthropicAnswer, bodyOf, completionAnswer, entryFor, FAKE_ANTHROPIC_KEY, openaiAnswer, requestFor } from '../activities/providers/support/wire.js';
import { EXAMPLE_WORKSPACE, WORK_UNIT } from '../support/workspace.js';

let verdict: ResultSchema;
let plan: ResultSchema;
beforeAll(async () => {
  const ws = await Workspace.open(EXAMPLE_WORKSPACE);
  verdict = (await assemblePacks(ws, 'validator', { path: WORK_UNIT })).role.pack.result_schema as ResultSchema;
  plan = (await assemblePacks(ws, 'orchestrator', { path: WORK_UNIT })).role.pack.result_schema as ResultSchema;
});

const withResult = (schema: ResultSchema, allowedTools: readonly string[] = []): ModelRequest => ({ ...requestFor({ allowedTools }), resultSchema: schema });
const PASS = { verdict: 'pass', findings: [] };

describe('structured results from the HTTP adapters', () => {
  let server: FakeProvider;
  beforeEach(async () => {
    server = await startFakeProvider();
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.close();
  });

  it('openai-compatible: sends the pack schema as response_format json_schema next to the tools, and returns the content as the candidate', async () => {
    server.answer(() => openaiAnswer({ text: JSON.stringify(PASS) }));
    const response = await createProvider(entryFor('openai-compatible', server.origin)).complete(withResult(verdict, ['read_file']));
    const body = bodyOf(server.requests);
    expect(body['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'result', strict: false, schema: verdict } });
    expect((body['tools'] as unknown[]).length).toBe(1);
    expect(response.result).toEqual({ value: PASS });
  });

  it('openai-compatible: strict mode only for a schema strict mode takes (all required, no other properties, no string lengths); a tool call still comes back for the gate', async () => {
    server.answer(() => openaiAnswer({ text: '{"next_micro_tasks":["MT-7.2"]}', toolCalls: [{ name: 'read_file', arguments: '{"path":"src/config.js"}' }] }));
    const response = await createProvider(entryFor('openai-compatible', server.origin)).complete(withResult(plan, ['read_file']));
    // The plan's ids carry minLength/maxLength, which OpenAI's strict mode does not list: non-strict.
    expect((bodyOf(server.requests)['response_format'] as { json_schema: { strict: boolean } }).json_schema.strict).toBe(false);
    expect(response.toolCalls).toEqual([{ tool: 'read_file', path: 'src/config.js' }]);
    expect(response.result).toEqual({ value: { next_micro_tasks: ['MT-7.2'] } });

    const strictable: ResultSchema = {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['pass', 'fail'] }, count: { type: 'integer', minimum: 0 } },
      required: ['verdict', 'count'],
      additionalProperties: false,
    } as unknown as ResultSchema;
    const open: ResultSchema = { ...strictable, additionalProperties: undefined } as unknown as ResultSchema;
    const partial: ResultSchema = { ...strictable, required: ['verdict'] } as ResultSchema;
    const strictOf = async (schema: ResultSchema) => {
      server.answer(() => openaiAnswer({ text: '{"verdict":"pass","count":0}' }));
      await createProvider(entryFor('openai-compatible', server.origin)).complete(withResult(JSON.parse(JSON.stringify(schema)) as ResultSchema));
      return (bodyOf(server.requests.slice(-1))['response_format'] as { json_schema: { strict: boolean } }).json_schema.strict;
    };
    expect(await strictOf(strictable)).toBe(true);
    expect(await strictOf(open)).toBe(false);
    expect(await strictOf(partial)).toBe(false);
  });

  it('openai-compatible in a constrained tool mode: the result is the one constraint (no grammar, no tool call parsed)', async () => {
    server.answer(() => openaiAnswer({ text: JSON.stringify(PASS) }));
    const entry = { ...entryFor('openai-compatible', server.origin), tool_calls: 'grammar' as const };
    const response = await createProvider(entry).complete(withResult(verdict, ['read_file']));
    const body = bodyOf(server.requests);
    expect(body['grammar']).toBeUndefined();
    expect(body['tools']).toBeUndefined();
    expect((body['response_format'] as { json_schema: { name: string } }).json_schema.name).toBe('result');
    expect(response).toMatchObject({ toolCalls: [], result: { value: PASS } });
  });

  it('openai-compatible: a request without a result schema is byte-for-byte what it was (no response_format, no result)', async () => {
    server.answer(() => openaiAnswer({ text: JSON.stringify(PASS) }));
    const response = await createProvider(entryFor('openai-compatible', server.origin)).complete(requestFor());
    expect(Object.keys(bodyOf(server.requests)).sort()).toEqual(['messages', 'model', 'stream']);
    expect(response.result).toBeUndefined();
  });

  it('openai-compatible: content that is not JSON is a candidate with a problem, never a crash', async () => {
    server.answer(() => openaiAnswer({ text: 'I think it passes.' }));
    const response = await createProvider(entryFor('openai-compatible', server.origin)).complete(withResult(verdict));
    expect(response.result).toEqual({ problem: 'the answer holds no JSON object' });
  });

  describe('anthropic', () => {
    let cloud: FakeProvider;
    beforeEach(async () => {
      cloud = await startFakeProvider({ apiKey: FAKE_ANTHROPIC_KEY });
    });
    afterEach(async () => {
      expect(cloud.violations).toEqual([]);
      await cloud.close();
    });
    const provider = () => createProvider(entryFor('anthropic', cloud.origin, { apiKeyEnv: 'K' }), { env: { K: FAKE_ANTHROPIC_KEY } });

    it('forces the submit_result tool (after the pack tools) and takes its input as the candidate; other tool_use blocks still go to the gate', async () => {
      cloud.answer(() =>
        anthropicAnswer({
          blocks: [
            { type: 'tool_use', id: 't1', name: 'read_file', input: { path: 'src/config.js' } },
            { type: 'tool_use', id: 't2', name: RESULT_TOOL, input: PASS },
          ],
        }),
      );
      const response = await provider().complete(withResult(verdict, ['read_file']));
      const body = bodyOf(cloud.requests);
      expect((body['tools'] as { name: string }[]).map((t) => t.name)).toEqual(['read_file', RESULT_TOOL]);
      expect((body['tools'] as { input_schema?: unknown }[])[1]?.input_schema).toEqual(verdict);
      expect(body['tool_choice']).toEqual({ type: 'tool', name: RESULT_TOOL });
      expect(response.toolCalls).toEqual([{ tool: 'read_file', path: 'src/config.js' }]);
      expect(response.result).toEqual({ value: PASS });
    });

    it('an answer without the result tool is a candidate with a problem', async () => {
      cloud.answer(() => anthropicAnswer({ blocks: [{ type: 'text', text: '{"verdict":"pass","findings":[]}' }] }));
      const response = await provider().complete(withResult(verdict));
      expect(response.result).toEqual({ problem: `the answer has no ${RESULT_TOOL} call` });
    });
  });

  it('completion: parses the fenced json block from the text, skipping tool blocks, and sends nothing new on the wire', async () => {
    const text = ['Checked.', '```tool', '{"tool": "read_file", "path": "src/config.js"}', '```', '```json', JSON.stringify(PASS), '```', ''].join('\n');
    server.answer(() => completionAnswer({ text }));
    const response = await createProvider(entryFor('completion', server.origin)).complete(withResult(verdict, ['read_file']));
    expect(Object.keys(bodyOf(server.requests)).sort()).toEqual(['max_tokens', 'model', 'prompt', 'stream']);
    expect(response.toolCalls).toEqual([{ tool: 'read_file', path: 'src/config.js' }]);
    expect(response.result).toEqual({ value: PASS });
  });
});

describe('finding the result in a text answer', () => {
  it.each([
    ['the whole text is JSON', ' {"a": 1}\n', { value: { a: 1 } }],
    ['a fenced json block wins over an earlier bare object', 'see {"b": 2}\n```json\n{"a": 1}\n```\n', { value: { a: 1 } }],
    ['the first balanced object that parses, braces inside strings skipped', 'Result: {"m": "a } b", "n": {"x": [1]}} trailing', { value: { m: 'a } b', n: { x: [1] } } }],
    ['a tool block is never the result', '```tool\n{"tool": "read_file", "path": "a"}\n```\nno result here', { problem: 'the answer holds no JSON object' }],
    ['an unclosed json fence', '```json\n{"a": 1}\n', { problem: 'the answer opens a ```json block that is never closed' }],
    ['a json fence with broken JSON', '```json\n{"a": }\n```\n', { problem: "the answer's ```json block is not valid JSON" }],
    ['plain prose', 'It passes, I think.', { problem: 'the answer holds no JSON object' }],
    ['an unbalanced brace', 'oops { "a": 1', { problem: 'the answer holds no JSON object' }],
  ])('%s', (_name, text, expected) => {
    expect(resultFromText(text)).toEqual(expected);
  });

  it('gives up after a bounded number of brace starts on adversarial text', () => {
    const text = `${'{x} '.repeat(10_000)}{"a": 1}`;
    const started = performance.now();
    expect(resultFromText(text)).toEqual({ problem: 'the answer holds no JSON object' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('the scripted provider', () => {
  const script = { schema_version: 1, responses: [{ when: { role: 'validator' }, result: PASS }, { when: {}, text: 'no result' }] };
  const request = (role: string, schema?: ResultSchema): ModelRequest => ({ ...requestFor(), context: { role, microTask: 'MT-7.1', iteration: 1 }, ...(schema ? { resultSchema: schema } : {}) });

  it("gives a step's result only when the request asks for one", async () => {
    const provider = new ScriptedProvider('s', script, 'script');
    expect((await provider.complete(request('validator', verdict))).result).toEqual({ value: PASS });
    expect((await provider.complete(request('validator'))).result).toBeUndefined();
    expect((await provider.complete(request('orchestrator', plan))).result).toEqual({ problem: 'the script step gives no result' });
  });
});
