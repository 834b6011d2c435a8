/**
 * Builds the HTTP adapter for a provider registry entry. The scripted provider is not built here: it
 * reads its script from the workspace, which invoke-model.ts's factory already has open.
 */
import { RESPONSE_RESERVE_TOKENS } from '../../shared/engine/assemble/work-unit-pack.js';
import type { ProviderEntry } from '../../shared/core/schema/providers.js';
import { AnthropicProvider } from './anthropic.js';
import { CompletionProvider } from './completion.js';
import type { AdapterConfig } from './http.js';
import type { ModelProvider } from './model-provider.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';

export { AnthropicProvider } from './anthropic.js';
export { CompletionProvider } from './completion.js';
export { OpenAICompatibleProvider } from './openai-compatible.js';

/**
 * How long one model call may take, answer included, before it fails as a retryable 'timeout'.
 * Generous because local models on modest hardware are slow; the activity's own start-to-close and
 * heartbeat timeouts still bound the whole invocation.
 */
export const DEFAULT_TIMEOUT_MS = 300_000;

/** Options for {@link createProvider}; every field has a production default. */
export interface CreateProviderOptions {
  /** Where API keys are looked up, at call time. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** The fetch implementation. Default: Node's global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** Per-call timeout in milliseconds. Default: {@link DEFAULT_TIMEOUT_MS}. */
  readonly timeoutMs?: number | undefined;
  /**
   * Answer token bound for the formats that require one (Anthropic, Completions). Default: the
   * tokens the pack builder reserves for the answer when it fits the payload to the context window.
   */
  readonly maxOutputTokens?: number | undefined;
}

/**
 * The adapter for `entry`: 'openai-compatible', 'anthropic' or 'completion'.
 *
 * @throws Error when `entry` is 'scripted' (built by invoke-model.ts from the workspace) or has no
 * `base_url`, or when a numeric option is not a positive integer. These are configuration faults
 * found before anything is sent.
 */
export function createProvider(entry: ProviderEntry, options: CreateProviderOptions = {}): ModelProvider {
  if (entry.api === 'scripted') {
    throw new Error(`provider "${entry.id}" uses api "scripted", which createProvider does not build; the scripted provider needs the workspace`);
  }
  if (entry.base_url === undefined) {
    throw new Error(`provider "${entry.id}" (api "${entry.api}") has no base_url; set providers[].base_url in .ctxpack/providers.yaml`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputTokens = options.maxOutputTokens ?? RESPONSE_RESERVE_TOKENS;
  for (const [name, value] of [['timeoutMs', timeoutMs], ['maxOutputTokens', maxOutputTokens]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`createProvider: ${name} must be a positive integer, got ${value}`);
  }
  const config: AdapterConfig = {
    id: entry.id,
    baseUrl: entry.base_url,
    apiKeyEnv: entry.api_key_env,
    env: options.env ?? process.env,
    // Looked up per call when defaulted, so a test or instrumentation replacing globalThis.fetch is honoured.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs,
    maxOutputTokens,
  };
  switch (entry.api) {
    case 'openai-compatible':
      return new OpenAICompatibleProvider(config, entry.tool_calls ?? 'native');
    case 'anthropic':
      return new AnthropicProvider(config);
    case 'completion':
      return new CompletionProvider(config);
  }
}
