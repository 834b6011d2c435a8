/**
 * Model-call spans with OpenTelemetry's GenAI semantic-convention attributes plus the context-packs
 * identity (role, pack and render hashes). Prompt-cache hits go in `gen_ai.usage.cache_read.input_tokens`
 * when the provider reports them. Uses the global OpenTelemetry API: a no-op until an
 * application registers a tracer provider, so telemetry is off by default. With Temporal's
 * `OpenTelemetryPlugin` on the worker, these spans nest under the activity's span.
 */
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ProviderEntry } from '../shared/core/schema/providers.js';
import type { ModelResponse } from './providers/model-provider.js';
import type { InvokeModelInput } from './types.js';

const tracer = trace.getTracer('context-packs');

/** `gen_ai.provider.name` for each adapter (the well-known values where the convention has one). */
const PROVIDER_NAMES: Record<ProviderEntry['api'], string> = {
  'openai-compatible': 'openai',
  anthropic: 'anthropic',
  completion: 'openai',
  scripted: 'context_packs.scripted',
};

export interface CallIdentity {
  readonly renderHash: string;
  readonly location: 'local' | 'cloud';
  /** The estimator's count of the rendered messages, to compare with the provider's input_tokens. */
  readonly estimatedInputTokens?: number;
}

export async function withModelSpan(
  input: InvokeModelInput,
  entry: ProviderEntry,
  identity: CallIdentity,
  call: () => Promise<ModelResponse>,
): Promise<ModelResponse> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': PROVIDER_NAMES[entry.api],
    'gen_ai.request.model': input.seat.model,
    'ctxpack.role': input.seat.role,
    'ctxpack.provider': entry.id,
    'ctxpack.location': identity.location,
    'ctxpack.pack_hash': input.binding.work_unit_pack_hash,
    'ctxpack.role_pack_hash': input.binding.role_pack_hash,
    'ctxpack.render_hash': identity.renderHash,
    'ctxpack.micro_task': input.micro_task,
    'ctxpack.iteration': input.iteration,
    ...(identity.estimatedInputTokens !== undefined ? { 'ctxpack.estimated_input_tokens': identity.estimatedInputTokens } : {}),
  };
  return tracer.startActiveSpan(`chat ${input.seat.model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const response = await call();
      const { inputTokens, outputTokens, cachedInputTokens } = response.usage;
      span.setAttributes({
        'gen_ai.response.model': response.providerModel,
        // As the convention asks, input_tokens includes the cached tokens counted below.
        'gen_ai.usage.input_tokens': inputTokens,
        'gen_ai.usage.output_tokens': outputTokens,
        // Only when the provider says: an absent count is unknown, not zero.
        ...(cachedInputTokens !== undefined ? { 'gen_ai.usage.cache_read.input_tokens': cachedInputTokens } : {}),
      });
      return response;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      span.setAttribute('error.type', err instanceof Error ? err.name : 'error');
      throw err;
    } finally {
      span.end();
    }
  });
}
