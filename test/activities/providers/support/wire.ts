/** Registry entries, model requests and canned answers in each wire format, for the provider tests. */
import type { ModelRequest } from '../../../../activities/providers/model-provider.js';
import type { RenderedMessage } from '../../../../shared/engine/render.js';
import { ProviderEntry } from '../../../../shared/core/schema/providers.js';
import type { Reply, WireApi } from './fake-provider.js';

/**
 * A fake key shaped like a real one, so any leak is easy to search for. It is only ever placed in
 * a test-local env object, never in process.env.
 */
export const FAKE_ANTHROPIC_KEY = 'sk-ant-api03-Qx7vTn2pLw9RbZk4Hs8JdYc3MfUe6GaVo1NiKt5XrBqPz0Lm';
export const FAKE_OPENAI_KEY = 'sk-proj-Vb3Nq8ZtRk1Lw6Yp0Hs5Jd2Xc9MfUe4GaTo7NiKe3WrBqPz8Lm';

/** A registry entry for `api` pointing at the fake server at `origin`, schema-checked like a real one. */
export function entryFor(
  api: WireApi,
  origin: string,
  options: { readonly id?: string; readonly apiKeyEnv?: string } = {},
): ProviderEntry {
  return ProviderEntry.parse({
    id: options.id ?? `fake-${api}`,
    kind: api === 'anthropic' ? 'cloud' : 'local',
    api,
    // Anthropic's base_url is the origin (the adapter adds /v1/messages); the OpenAI formats' includes /v1.
    base_url: api === 'anthropic' ? origin : `${origin}/v1`,
    models: [{ id: 'alias-model', context_window: 8192 }],
    ...(options.apiKeyEnv !== undefined ? { api_key_env: options.apiKeyEnv } : {}),
  });
}

export const SIMPLE_MESSAGES: readonly RenderedMessage[] = [
  { role: 'system', content: 'You act as the role "coder".\nRules: be exact.\n' },
  { role: 'user', content: 'Task: fix parseConfig.\n<context-pack-data>\n{"a": 1}\n</context-pack-data>\n' },
];

export function requestFor(
  options: { readonly messages?: readonly RenderedMessage[]; readonly allowedTools?: readonly string[]; readonly model?: string } = {},
): ModelRequest {
  return {
    model: options.model ?? 'alias-model',
    messages: options.messages ?? SIMPLE_MESSAGES,
    allowedTools: options.allowedTools ?? [],
    context: { role: 'coder', microTask: 'MT-7.1', iteration: 1 },
  };
}

export interface OpenAIAnswer {
  readonly text?: string | null;
  readonly toolCalls?: readonly { readonly name: string; readonly arguments: unknown }[];
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly cachedTokens?: number;
  readonly model?: string;
}

/** A Chat Completions answer. */
export function openaiAnswer(answer: OpenAIAnswer = {}): Reply {
  const toolCalls = answer.toolCalls?.map((call, index) => ({ id: `call_${index}`, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  return {
    json: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: answer.model ?? 'served-model-2025',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: answer.text === undefined ? 'done' : answer.text, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: answer.promptTokens ?? 120,
        completion_tokens: answer.completionTokens ?? 7,
        total_tokens: (answer.promptTokens ?? 120) + (answer.completionTokens ?? 7),
        ...(answer.cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: answer.cachedTokens } } : {}),
      },
    },
  };
}

export interface AnthropicAnswer {
  readonly blocks?: readonly unknown[];
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cacheRead?: number;
  readonly cacheCreation?: number;
  readonly model?: string;
}

/** A Messages answer; `blocks` defaults to one text block. */
export function anthropicAnswer(answer: AnthropicAnswer = {}): Reply {
  return {
    json: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: answer.model ?? 'claude-served-20250101',
      content: answer.blocks ?? [{ type: 'text', text: 'done' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: answer.inputTokens ?? 30,
        output_tokens: answer.outputTokens ?? 9,
        ...(answer.cacheRead !== undefined ? { cache_read_input_tokens: answer.cacheRead } : {}),
        ...(answer.cacheCreation !== undefined ? { cache_creation_input_tokens: answer.cacheCreation } : {}),
      },
    },
  };
}

/** A legacy Completions answer. */
export function completionAnswer(answer: { readonly text?: string; readonly promptTokens?: number; readonly completionTokens?: number; readonly cachedTokens?: number; readonly model?: string } = {}): Reply {
  return {
    json: {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: answer.model ?? 'served-completion-7b',
      choices: [{ index: 0, text: answer.text ?? 'done', finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: answer.promptTokens ?? 80,
        completion_tokens: answer.completionTokens ?? 5,
        total_tokens: (answer.promptTokens ?? 80) + (answer.completionTokens ?? 5),
        ...(answer.cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: answer.cachedTokens } } : {}),
      },
    },
  };
}

/** A text answer in `api`'s format. */
export function textAnswer(api: WireApi): Reply {
  return api === 'openai-compatible' ? openaiAnswer() : api === 'anthropic' ? anthropicAnswer() : completionAnswer();
}

/** The recorded body of the `index`th request as an object (throws if it is not one). */
export function bodyOf(requests: readonly { readonly json: unknown }[], index = 0): Record<string, unknown> {
  const json = requests[index]?.json;
  if (typeof json !== 'object' || json === null) throw new Error(`request ${index} has no JSON object body`);
  return json as Record<string, unknown>;
}
