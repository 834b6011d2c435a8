/**
 * What the two OpenAI wire formats (Chat Completions and legacy Completions) share: bearer-key
 * headers, and the `usage` block with its prompt-cache figure.
 */
import { z } from 'zod';
import { readApiKey, type AdapterConfig } from './http.js';
import type { ModelResponse } from './model-provider.js';

const TokenCount = z.number().int().nonnegative();

/** An answer's `usage`, as both formats send it. */
export const OpenAIUsage = z.object({
  prompt_tokens: TokenCount,
  completion_tokens: TokenCount,
  prompt_tokens_details: z.object({ cached_tokens: TokenCount.nullish() }).nullish(),
});

/** `Authorization: Bearer <key>` when the entry names a key variable; keyless local servers get none. */
export function bearerHeaders(config: AdapterConfig): Record<string, string> {
  const key = readApiKey(config);
  return key !== undefined ? { authorization: `Bearer ${key}` } : {};
}

/** The interface's usage from the wire's: cached prompt tokens only when the server reports them. */
export function usageFrom(usage: z.output<typeof OpenAIUsage>): ModelResponse['usage'] {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(cached !== undefined && cached !== null ? { cachedInputTokens: cached } : {}),
  };
}

/**
 * The model id a server says answered, unless it is a file path: llama.cpp's server answers with the
 * model file's path when started without `--alias`, and a host path must not reach spans or logs.
 */
export function answeringModel(reported: string | undefined, requested: string): string {
  if (reported === undefined || reported.startsWith('/') || /^[A-Za-z]:[\\/]/.test(reported) || reported.includes('\\')) return requested;
  return reported;
}
