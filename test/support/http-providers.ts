/**
 * Governed jobs whose models sit behind real HTTP on 127.0.0.1: the example workspace's provider
 * registry rewritten to point at loopback fake servers (test/activities/providers/support/fake-provider.ts),
 * and fake answers in each wire format that play the demo script's tool calls, so verification
 * really fails or passes on what the "model" wrote.
 *
 * The ladder is the example's, over HTTP: a small local model and a larger local one behind
 * OpenAI-compatible servers, then a cloud model behind the Anthropic Messages API (its id renamed
 * from `cloud-scripted` to `cloud-anthropic` in the coder role's work profile).
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ScriptFile } from '../../activities/providers/scripted.js';
import type { Seat } from '../../shared/core/schema/governed-job.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { startFakeProvider, type FakeProvider, type RecordedRequest, type Reply } from '../activities/providers/support/fake-provider.js';
import { anthropicAnswer, FAKE_ANTHROPIC_KEY, openaiAnswer } from '../activities/providers/support/wire.js';
import { EXAMPLE_WORKSPACE } from './workspace.js';

export const HTTP_SMALL: Seat = { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' };
export const HTTP_LARGE: Seat = { role: 'coder', model: 'big-coder-14b', provider: 'local-large' };
export const HTTP_CLOUD: Seat = { role: 'coder', model: 'frontier-coder', provider: 'cloud-anthropic' };

/**
 * The environment variable the cloud entry names for its key. Tests set it on process.env (the
 * default provider factory reads keys there, at call time) and delete it afterwards.
 */
export const CLOUD_KEY_ENV = 'CTXPACK_TEST_ANTHROPIC_KEY';

/**
 * Starts an OpenAI-compatible and an Anthropic fake for the test file (the cloud key set on
 * process.env only meanwhile), and at the end checks neither saw a request it refused.
 */
export function useFakeProviders(): () => { openai: FakeProvider; anthropic: FakeProvider } {
  let servers: { openai: FakeProvider; anthropic: FakeProvider } | undefined;
  beforeAll(async () => {
    servers = { openai: await startFakeProvider(), anthropic: await startFakeProvider({ apiKey: FAKE_ANTHROPIC_KEY }) };
    // The default provider factory reads keys from process.env at call time; only for this file's run.
    process.env[CLOUD_KEY_ENV] = FAKE_ANTHROPIC_KEY;
  });
  afterAll(async () => {
    delete process.env[CLOUD_KEY_ENV];
    expect(servers?.openai.violations).toEqual([]);
    expect(servers?.anthropic.violations).toEqual([]);
    await servers?.openai.close();
    await servers?.anthropic.close();
  });
  return () => {
    if (!servers) throw new Error('the fake providers are not running (did beforeAll fail?)');
    return servers;
  };
}

export interface HttpRegistry {
  /** Origin (`http://127.0.0.1:<port>`) of the OpenAI-compatible server behind local-small. */
  readonly small: string;
  /** Origin of the OpenAI-compatible server behind local-large. */
  readonly large: string;
  /** Origin of the Anthropic server behind cloud-anthropic. */
  readonly cloud: string;
  /** Context windows; default small 8192, large 32768, cloud 200000 (the example's). */
  readonly windows?: { readonly small?: number; readonly large?: number; readonly cloud?: number };
  /** Provider error classes the coder role escalates on. */
  readonly escalateOn?: readonly string[];
}

/** Rewrites `dir`'s provider registry (and the coder ladder's cloud rung) to the HTTP servers. */
export async function useHttpProviders(dir: string, registry: HttpRegistry): Promise<void> {
  const windows = { small: 8192, large: 32768, cloud: 200_000, ...registry.windows };
  await writeFile(
    path.join(dir, '.ctxpack/providers.yaml'),
    stringify({
      schema_version: 1,
      providers: [
        {
          id: HTTP_SMALL.provider,
          kind: 'local',
          api: 'openai-compatible',
          base_url: `${registry.small}/v1`,
          models: [
            { id: HTTP_SMALL.model, context_window: windows.small },
            { id: 'tiny-reviewer-1b', context_window: windows.small },
          ],
        },
        {
          id: HTTP_LARGE.provider,
          kind: 'local',
          api: 'openai-compatible',
          base_url: `${registry.large}/v1`,
          models: [{ id: HTTP_LARGE.model, context_window: windows.large }],
        },
        {
          id: HTTP_CLOUD.provider,
          kind: 'cloud',
          api: 'anthropic',
          base_url: registry.cloud,
          cloud_tier: 'cloud-standard',
          api_key_env: CLOUD_KEY_ENV,
          models: [{ id: HTTP_CLOUD.model, context_window: windows.cloud }],
        },
      ],
    }),
  );
  const rolePath = path.join(dir, '.ctxpack/roles/coder.yaml');
  const role = await readFile(rolePath, 'utf8');
  const cloudRung = '{ provider: cloud-scripted, model: frontier-coder }';
  if (!role.includes(cloudRung)) throw new Error('the example coder role no longer has the cloud-scripted rung');
  let edited = role.replace(cloudRung, `{ provider: ${HTTP_CLOUD.provider}, model: ${HTTP_CLOUD.model} }`);
  if (registry.escalateOn !== undefined) {
    edited = edited.replace('  max_iterations: 6\n', `  max_iterations: 6\n  escalate_on_provider_errors: [${registry.escalateOn.join(', ')}]\n`);
  }
  await writeFile(rolePath, edited);
}

export interface ToolRequest {
  readonly tool: string;
  readonly path?: string | undefined;
  readonly content?: string | undefined;
}

/** An answer with `text` and `calls` in the wire format of `api`: OpenAI `tool_calls` or Anthropic `tool_use` blocks. */
export function toolAnswer(api: 'openai-compatible' | 'anthropic', text: string, calls: readonly ToolRequest[]): Reply {
  const args = (call: ToolRequest) => ({
    ...(call.path !== undefined ? { path: call.path } : {}),
    ...(call.content !== undefined ? { content: call.content } : {}),
  });
  if (api === 'openai-compatible') {
    // Arguments travel as JSON text, as the Chat Completions spec says.
    return openaiAnswer({ text, ...(calls.length > 0 ? { toolCalls: calls.map((call) => ({ name: call.tool, arguments: JSON.stringify(args(call)) })) } : {}) });
  }
  return anthropicAnswer({
    blocks: [{ type: 'text', text }, ...calls.map((call, index) => ({ type: 'tool_use', id: `toolu_${index}`, name: call.tool, input: args(call) }))],
  });
}

let demoScript: ScriptFile | undefined;

/** The example's scripted answers (.ctxpack/scripts/demo.yaml), parsed once (read synchronously: fake handlers are sync). */
function demo(): ScriptFile {
  demoScript ??= ScriptFile.parse(parse(readFileSync(path.join(EXAMPLE_WORKSPACE, '.ctxpack/scripts/demo.yaml'), 'utf8')));
  return demoScript;
}

/**
 * The micro-task a rendered request is about, read from the data block's `micro_task.id` (ids are
 * rendered inside the data block only). The body is JSON, so the block's own JSON is escaped in it.
 */
export function microTaskOf(request: RecordedRequest): string {
  const match = /\\"micro_task\\": \{\\n *\\"id\\": \\"([A-Za-z0-9._:-]+)\\"/.exec(request.body);
  if (!match?.[1]) throw new Error(`request to ${request.path} names no micro-task`);
  return match[1];
}

/** The role a rendered request is for, read from the system prefix's first line. */
export function roleOf(request: RecordedRequest): string {
  const match = /You act as the role \\"([a-z][a-z0-9_-]{0,63})\\"/.exec(request.body);
  if (!match?.[1]) throw new Error(`request to ${request.path} names no role`);
  return match[1];
}

/** The model a request asks for. */
export function modelOf(request: RecordedRequest): string {
  const model = (request.json as { model?: unknown } | undefined)?.model;
  if (typeof model !== 'string') throw new Error(`request to ${request.path} names no model`);
  return model;
}

/**
 * The demo script's answer to `request`, in its wire format: the first rule matching its role,
 * micro-task and model (or `asModel`, to make one model answer like another), as the scripted
 * provider picks it. The small model breaks src/config.js; the others fix it.
 */
export function demoReply(request: RecordedRequest, asModel?: string): Reply {
  const microTask = microTaskOf(request);
  const model = asModel ?? modelOf(request);
  const role = roleOf(request);
  const rule = demo().responses.find(
    ({ when }) =>
      (when.role === undefined || when.role === role) &&
      (when.micro_task === undefined || when.micro_task === microTask) &&
      (when.model === undefined || when.model === model),
  );
  if (!rule) throw new Error(`the demo script has no answer for ${microTask} on ${model}`);
  return toolAnswer(request.api === 'anthropic' ? 'anthropic' : 'openai-compatible', rule.text, rule.tool_calls);
}

/**
 * What no request body may contain: the workspace's and the checkout's absolute paths and the home
 * directory (a home of "/" is left out: it would match any path-like text).
 */
export function hostPaths(dir: string): string[] {
  return [dir, path.dirname(dir), path.resolve(EXAMPLE_WORKSPACE), process.cwd(), homedir()].filter((value) => value.length > 1);
}
