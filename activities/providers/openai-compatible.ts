/**
 * The OpenAI Chat Completions wire format, which Ollama, llama.cpp's server, vLLM, LM Studio and
 * OpenAI itself all speak: POST `{base_url}/chat/completions`. The rendered messages go out as they
 * are (system, then user), the pack's allowed tools as function definitions.
 */
import { z } from 'zod';
import type { ModelProvider, ModelRequest, ModelResponse, ToolCall } from './model-provider.js';
import { ProviderError } from './model-provider.js';
import { decodeAnswer, endpoint, postJson, type AdapterConfig } from './http.js';
import { answeringModel, bearerHeaders, OpenAIUsage, usageFrom } from './openai-format.js';
import { parseConstrainedCall, toolCallGrammar, toolCallJsonSchema } from './constrained-tools.js';
import { toolSchemasFor, toToolCall } from './tool-schemas.js';
import { resultFromText } from './result-candidate.js';
import type { ResultSchema, ResultSchemaNodeType } from '../../shared/core/schema/result-schema.js';

/** How tool calls are asked for: see `tool_calls` in shared/core/schema/providers.ts. */
export type ToolCallMode = 'native' | 'grammar' | 'json_schema';

/** The part of a Chat Completions answer this adapter reads; everything else is ignored. */
const ChatAnswer = z.object({
  model: z.string().min(1).optional(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish(),
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                function: z.object({
                  name: z.string().min(1),
                  // JSON text per the spec; some servers (older Ollama) send the object itself.
                  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
                }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1),
  usage: OpenAIUsage,
});

/**
 * The Chat Completions request body for `request`: exactly the rendered messages, plus the tools as
 * function definitions (`native`) or as a constraint on the answer (`grammar`, `json_schema`; a
 * server refuses `tools` and `grammar` together, so the constrained modes send no `tools`).
 */
export function chatCompletionsBody(request: ModelRequest, mode: ToolCallMode = 'native'): Record<string, unknown> {
  const schemas = toolSchemasFor(request.allowedTools);
  const tools = schemas.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
  const constraint =
    schemas.length === 0 || mode === 'native'
      ? // Omitted rather than empty: several local servers reject `tools: []`.
        tools.length > 0 ? { tools } : {}
      : request.resultSchema
        ? // One constraint per answer: in a constrained mode the content is the result, so no call is asked for.
          {}
        : mode === 'grammar'
          ? { grammar: toolCallGrammar(schemas) }
          : { response_format: { type: 'json_schema', json_schema: { name: 'tool_call', strict: true, schema: toolCallJsonSchema(schemas) } } };
  return {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    ...constraint,
    ...(request.resultSchema ? { response_format: resultFormat(request.resultSchema) } : {}),
    ...(request.maxOutputTokens !== undefined ? { max_tokens: request.maxOutputTokens } : {}),
    stream: false,
  };
}

/**
 * Whether OpenAI's strict mode takes `node` as it is: every object requires all its properties and
 * forbids others, and no string sets minLength/maxLength (keywords strict mode does not list as
 * supported). Anything else goes non-strict rather than be refused by the API.
 */
function strictCompatible(node: ResultSchema | ResultSchemaNodeType): boolean {
  if (node.type === 'array') return strictCompatible(node.items);
  if (node.type === 'string') return node.minLength === undefined && node.maxLength === undefined;
  if (node.type !== 'object') return true;
  const names = Object.keys(node.properties);
  return node.additionalProperties === false && names.every((name) => node.required?.includes(name)) && Object.values(node.properties).every(strictCompatible);
}

/**
 * Structured output for the role's result (`response_format: json_schema`, which OpenAI, vLLM, LM
 * Studio and llama.cpp's server, as a grammar, all take). Strict only where OpenAI's strict mode
 * accepts the schema (see {@link strictCompatible}); the activity validates the answer either way.
 */
export function resultFormat(schema: ResultSchema): Record<string, unknown> {
  return { type: 'json_schema', json_schema: { name: 'result', strict: strictCompatible(schema), schema } };
}

function parseArguments(providerId: string, tool: string, raw: string | Record<string, unknown> | undefined): unknown {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return {}; // no-argument tools (run_tests)
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ProviderError(`provider "${providerId}" returned a ${tool} call whose arguments are not valid JSON`, 'bad-response', false);
  }
}

/** A provider speaking the OpenAI Chat Completions format. */
export class OpenAICompatibleProvider implements ModelProvider {
  readonly id: string;

  constructor(
    private readonly config: AdapterConfig,
    private readonly mode: ToolCallMode = 'native',
  ) {
    this.id = config.id;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const headers = bearerHeaders(this.config);
    const raw = await postJson(this.config, endpoint(this.config.baseUrl, 'chat/completions'), headers, chatCompletionsBody(request, this.mode));
    const answer = decodeAnswer(this.config, ChatAnswer, raw, 'chat completion');
    // `.min(1)` above guarantees the first choice.
    const message = (answer.choices[0] as (typeof answer.choices)[number]).message;
    const constrained = this.mode !== 'native' && toolSchemasFor(request.allowedTools).length > 0 && request.resultSchema === undefined;
    const choice = answer.choices[0] as (typeof answer.choices)[number];
    if (constrained && choice.finish_reason === 'length') {
      // Seen with real small models: a write_file whose content outgrows the answer bound is cut mid-JSON.
      throw new ProviderError(
        `provider "${this.id}" stopped the answer at its token bound${request.maxOutputTokens !== undefined ? ` (max_tokens ${request.maxOutputTokens})` : ''} before the tool call was complete; raise the model's request_fit.answer_tokens`,
        'bad-response',
        false,
      );
    }
    // A constrained answer is the call itself, in the content; native calls come in `tool_calls`.
    const toolCalls: ToolCall[] = constrained
      ? [parseConstrainedCall(this.id, message.content ?? '')]
      : (message.tool_calls ?? []).map(({ function: fn }) => toToolCall(this.id, fn.name, parseArguments(this.id, fn.name, fn.arguments)));
    return {
      text: message.content ?? '',
      toolCalls,
      ...(request.resultSchema ? { result: resultFromText(message.content ?? '') } : {}),
      usage: usageFrom(answer.usage),
      providerModel: answeringModel(answer.model, request.model),
    };
  }
}
