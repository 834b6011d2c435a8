/**
 * The Anthropic Messages API: POST `{base_url}/v1/messages`. The rendered system message goes out as
 * a system content block marked `cache_control: ephemeral`: the role prefix is byte-stable across
 * micro-tasks and iterations, so from the second call on Anthropic serves it (and the tool list,
 * which precedes it in Anthropic's cache order and is as stable) from its prompt cache.
 */
import { z } from 'zod';
import type { ModelProvider, ModelRequest, ModelResponse, ToolCall } from './model-provider.js';
import { ProviderError } from './model-provider.js';
import { decodeAnswer, endpoint, postJson, readApiKey, type AdapterConfig } from './http.js';
import { toolSchemasFor, toToolCall } from './tool-schemas.js';

/** The tool a role with a result schema is made to call: its input is the result, never a tool request. */
export const RESULT_TOOL = 'submit_result';
const RESULT_TOOL_DESCRIPTION = 'Submit your result. Its input must match the result schema of your role.';

/** The API version this adapter's request and answer shapes follow. */
export const ANTHROPIC_VERSION = '2023-06-01';

const TokenCount = z.number().int().nonnegative();

/** The part of a Messages answer this adapter reads. Unknown block types (thinking...) are skipped. */
const MessagesAnswer = z.object({
  model: z.string().min(1),
  content: z.array(
    z.object({
      type: z.string(),
      text: z.string().optional(),
      name: z.string().min(1).optional(),
      input: z.unknown().optional(),
    }),
  ),
  usage: z.object({
    input_tokens: TokenCount,
    output_tokens: TokenCount,
    cache_read_input_tokens: TokenCount.nullish(),
    cache_creation_input_tokens: TokenCount.nullish(),
  }),
});

/**
 * The Messages request body for `request`. System messages become system blocks (the last one
 * carries the cache breakpoint, which covers everything before it); user messages become user turns.
 */
export function messagesBody(request: ModelRequest, maxTokens: number): Record<string, unknown> {
  const systemTexts = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const system = systemTexts.map((text, index) => ({
    type: 'text',
    text,
    ...(index === systemTexts.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}),
  }));
  const tools: Record<string, unknown>[] = toolSchemasFor(request.allowedTools).map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.parameters,
  }));
  // The result is asked for as a forced tool (Anthropic's structured output): the tool list keeps the
  // pack's tools first, so their part of the cached prefix is the same with or without a result.
  if (request.resultSchema) tools.push({ name: RESULT_TOOL, description: RESULT_TOOL_DESCRIPTION, input_schema: request.resultSchema });
  return {
    model: request.model,
    max_tokens: maxTokens,
    ...(system.length > 0 ? { system } : {}),
    messages: request.messages.filter((m) => m.role === 'user').map((m) => ({ role: 'user', content: m.content })),
    ...(tools.length > 0 ? { tools } : {}),
    ...(request.resultSchema ? { tool_choice: { type: 'tool', name: RESULT_TOOL } } : {}),
  };
}

/** A provider speaking the Anthropic Messages API. */
export class AnthropicProvider implements ModelProvider {
  readonly id: string;

  constructor(private readonly config: AdapterConfig) {
    this.id = config.id;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    if (!request.messages.some((m) => m.role === 'user')) {
      // The Messages API needs at least one user turn; sending none would only earn a 400.
      throw new ProviderError(`provider "${this.id}": the rendering has no user message to send`, 'bad-response', false);
    }
    const key = readApiKey(this.config);
    const headers: Record<string, string> = {
      'anthropic-version': ANTHROPIC_VERSION,
      ...(key !== undefined ? { 'x-api-key': key } : {}),
    };
    const raw = await postJson(this.config, endpoint(this.config.baseUrl, 'v1/messages'), headers, messagesBody(request, this.config.maxOutputTokens));
    const answer = decodeAnswer(this.config, MessagesAnswer, raw, 'messages');

    const texts: string[] = [];
    const toolCalls: ToolCall[] = [];
    let result: ModelResponse['result'] = request.resultSchema ? { problem: `the answer has no ${RESULT_TOOL} call` } : undefined;
    for (const block of answer.content) {
      if (block.type === 'text' && block.text !== undefined) texts.push(block.text);
      else if (block.type === 'tool_use' && block.name === RESULT_TOOL && request.resultSchema) {
        // The first one counts; a second is a model repeating itself, not a second result.
        if (result && !('value' in result)) result = { value: block.input };
      } else if (block.type === 'tool_use') {
        if (block.name === undefined) {
          throw new ProviderError(`provider "${this.id}" returned a tool_use block without a tool name`, 'bad-response', false);
        }
        toolCalls.push(toToolCall(this.id, block.name, block.input ?? {}));
      }
    }
    const { usage } = answer;
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    return {
      text: texts.join(''),
      toolCalls,
      ...(result ? { result } : {}),
      usage: {
        // Anthropic's input_tokens leaves out cached and cache-written tokens; summed, the count means
        // what prompt_tokens means for the other adapters: every prompt token the model read.
        inputTokens: usage.input_tokens + cacheRead + (usage.cache_creation_input_tokens ?? 0),
        outputTokens: usage.output_tokens,
        ...(usage.cache_read_input_tokens !== undefined && usage.cache_read_input_tokens !== null ? { cachedInputTokens: cacheRead } : {}),
      },
      providerModel: answer.model,
    };
  }
}
