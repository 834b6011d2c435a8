/**
 * Completion-only (non-agentic) models over the OpenAI legacy Completions format: POST
 * `{base_url}/completions` with ONE prompt, the rendered messages joined by a blank line. No tool
 * definitions are sent: these models have no tool calling.
 *
 * When the role allows tools, the answer text may request them in a strict fenced format, one
 * block per call, each fence on a line of its own:
 *
 *     ```tool
 *     {"tool": "write_file", "path": "src/config.js", "content": "..."}
 *     ```
 *
 * The block holds one JSON object with a string `tool` and optional string `path` and `content`,
 * nothing else. JSON strings cannot hold a raw line break, so a closing fence line can never occur
 * inside the object and file content containing fences stays unambiguous. Nothing else in the text
 * (other fences, prose, "call write_file on...") is ever read as a tool request. The prompt does not
 * explain this format (it is exactly the rendering); a role that wants tool use from such a model
 * states the format in its strict rules.
 *
 * A role with a result schema is asked (in the rendering) for its result as a fenced `json` block;
 * the adapter hands back the first JSON object it finds (result-candidate.ts).
 */
import { z } from 'zod';
import type { RenderedMessage } from '../../shared/engine/render.js';
import { ProviderError, type ModelProvider, type ModelRequest, type ModelResponse, type ToolCall } from './model-provider.js';
import { decodeAnswer, endpoint, postJson, type AdapterConfig } from './http.js';
import { answeringModel, bearerHeaders, OpenAIUsage, usageFrom } from './openai-format.js';
import { toToolCall } from './tool-schemas.js';
import { resultFromText, TOOL_FENCE_CLOSE, TOOL_FENCE_OPEN } from './result-candidate.js';

export { TOOL_FENCE_CLOSE, TOOL_FENCE_OPEN };

/** The part of a Completions answer this adapter reads. */
const CompletionAnswer = z.object({
  model: z.string().min(1).optional(),
  choices: z.array(z.object({ text: z.string() })).min(1),
  usage: OpenAIUsage,
});

/** A block's object: exactly these keys, so a stray field is noticed rather than guessed at. */
const FencedCall = z.strictObject({ tool: z.string().min(1), path: z.string().optional(), content: z.string().optional() });

/**
 * The one prompt for `messages`: each message's content verbatim, ended by a line break if it has
 * none, separated by one blank line. For the rendering (both messages end with a line break) that is
 * `system + "\n" + user`, so both texts reach the model byte for byte.
 */
export function joinPrompt(messages: readonly RenderedMessage[]): string {
  return messages.map((m) => (m.content.endsWith('\n') ? m.content : `${m.content}\n`)).join('\n');
}

/**
 * The tool requests in `text`, in order, from the fenced format only.
 *
 * @throws ProviderError 'bad-response' for a block that is not closed or does not hold exactly one
 * object of the documented shape: the model meant to call a tool, and guessing what it meant would
 * let malformed text act.
 */
export function parseFencedToolCalls(providerId: string, text: string): ToolCall[] {
  const lines = text.split(/\r?\n/);
  const calls: ToolCall[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== TOOL_FENCE_OPEN) continue;
    const end = lines.indexOf(TOOL_FENCE_CLOSE, i + 1);
    if (end === -1) {
      throw new ProviderError(`provider "${providerId}" answered with a tool block that is never closed`, 'bad-response', false);
    }
    let value: unknown;
    try {
      value = JSON.parse(lines.slice(i + 1, end).join('\n'));
    } catch {
      throw new ProviderError(`provider "${providerId}" answered with a tool block that is not valid JSON`, 'bad-response', false);
    }
    const parsed = FencedCall.safeParse(value);
    if (!parsed.success) {
      throw new ProviderError(
        `provider "${providerId}" answered with a tool block that is not {"tool", "path"?, "content"?} with string values`,
        'bad-response',
        false,
      );
    }
    const { tool, ...args } = parsed.data;
    calls.push(toToolCall(providerId, tool, args));
    i = end;
  }
  return calls;
}

/** The Completions request body: one prompt, an answer bound (the format's default is 16 tokens), no tools. */
export function completionBody(request: ModelRequest, maxTokens: number): Record<string, unknown> {
  return { model: request.model, prompt: joinPrompt(request.messages), max_tokens: maxTokens, stream: false };
}

/** A completion-only model behind the OpenAI legacy Completions format. */
export class CompletionProvider implements ModelProvider {
  readonly id: string;

  constructor(private readonly config: AdapterConfig) {
    this.id = config.id;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const headers = bearerHeaders(this.config);
    const raw = await postJson(this.config, endpoint(this.config.baseUrl, 'completions'), headers, completionBody(request, this.config.maxOutputTokens));
    const answer = decodeAnswer(this.config, CompletionAnswer, raw, 'completion');
    const text = (answer.choices[0] as (typeof answer.choices)[number]).text;
    return {
      text,
      // A role without tools gets no tool calls, whatever the text looks like.
      toolCalls: request.allowedTools.length > 0 ? parseFencedToolCalls(this.id, text) : [],
      // No structured output here: the rendering asks for a fenced json block, parsed from the text.
      ...(request.resultSchema ? { result: resultFromText(text) } : {}),
      usage: usageFrom(answer.usage),
      providerModel: answeringModel(answer.model, request.model),
    };
  }
}
