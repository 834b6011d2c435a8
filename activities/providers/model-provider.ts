/**
 * The one interface every model provider implements (activity side). It receives the
 * provider-neutral rendering and the pack's allowed tools, and answers with text, tool calls, token
 * usage and the provider's own model id. Adapters change only the wire format.
 */
import type { RenderedMessage } from '../../shared/engine/render.js';
import type { ResultSchema } from '../../shared/core/schema/result-schema.js';

/** A tool call a model asked for (name and arguments), before the pack's lock set gates it. */
export interface ToolCall {
  readonly tool: string;
  readonly path?: string;
  /** For write tools: the new file content. */
  readonly content?: string;
}

/** What a provider adapter is asked: the rendered messages, the allowed tools and the answer limits. */
export interface ModelRequest {
  readonly model: string;
  readonly messages: readonly RenderedMessage[];
  readonly allowedTools: readonly string[];
  /** Answer token bound to send (`max_tokens`), when the model's registry entry sets one. */
  readonly maxOutputTokens?: number;
  /**
   * The role pack's result schema, when the role declares one: the adapter asks the model for a
   * result in it (structured output, a forced tool, or the text format) and hands back the raw
   * candidate. It does not validate: the activity does, once, against the pack.
   */
  readonly resultSchema?: ResultSchema;
  /** Where the request comes from, for deterministic scripted answers. */
  readonly context: { readonly role: string; readonly microTask: string; readonly iteration: number };
}

/**
 * The raw result an adapter found in an answer: the parsed JSON value, or why there is none (never
 * quoting the answer, which may hold secrets).
 */
export type ResultCandidate = { readonly value: unknown } | { readonly problem: string };

/** What a provider adapter answers: text, tool calls, usage, the model id that answered and a result candidate. */
export interface ModelResponse {
  readonly text: string;
  /** Set exactly when the request had a `resultSchema`. */
  readonly result?: ResultCandidate;
  readonly toolCalls: readonly ToolCall[];
  readonly usage: {
    /** All prompt tokens the model read, cached or not (the same meaning for every provider). */
    readonly inputTokens: number;
    readonly outputTokens: number;
    /** Of `inputTokens`, how many the provider served from its prompt cache; absent when it does not say. */
    readonly cachedInputTokens?: number;
  };
  /** The model id the provider says answered (may differ from the requested alias). */
  readonly providerModel: string;
}

/** A model behind one neutral interface: implement `complete` to add a provider adapter. */
export interface ModelProvider {
  readonly id: string;
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** A provider-side failure with a class the escalation ladder can react to. */
export class ProviderError extends Error {
  constructor(
    message: string,
    /** `context-window`: the server refused the prompt as longer than its window (never retryable as is). */
    readonly kind: 'unavailable' | 'rate-limited' | 'bad-response' | 'timeout' | 'context-window',
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
