/**
 * Prompt-cache hits, end to end through the real activities: a workspace whose provider registry
 * points at a loopback fake server, a real bind, prepare and invoke. What the provider says it served
 * from its cache (Anthropic `cache_read_input_tokens`, OpenAI `prompt_tokens_details.cached_tokens`)
 * is recorded as the invocation's `usage.cached_input_tokens` and on the model-call span as
 * `gen_ai.usage.cache_read.input_tokens`; when the provider says nothing, neither appears.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seat } from '../../../shared/core/schema/governed-job.js';
import { bindAndInvoke, setupJob } from '../../support/governed.js';
import { HTTP_CLOUD, HTTP_LARGE, useFakeProviders, useHttpProviders } from '../../support/http-providers.js';
import { anthropicAnswer, openaiAnswer } from './support/wire.js';

const fakes = useFakeProviders();
const exporter = new InMemorySpanExporter();
const tracing = new BasicTracerProvider();

beforeAll(async () => {
  tracing.addSpanProcessor(new SimpleSpanProcessor(exporter));
  tracing.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
});

afterAll(async () => {
  await tracing.shutdown();
});

/** One real invocation on `seat` in a fresh workspace wired to the fake servers; returns it and its span. */
async function invoke(label: string, seat: Seat): Promise<{ usage: Record<string, number | undefined>; span: ReadableSpan }> {
  exporter.reset();
  const setup = await setupJob(label);
  const { openai, anthropic } = fakes();
  await useHttpProviders(setup.dir, { small: openai.origin, large: openai.origin, cloud: anthropic.origin });
  const { result } = await bindAndInvoke(setup, seat, { workflowId: `cache-${label}`, cloudConsent: seat.provider === HTTP_CLOUD.provider });
  await tracing.forceFlush();
  const spans = exporter.getFinishedSpans().filter((span) => span.name === `chat ${seat.model}`);
  expect(spans).toHaveLength(1);
  return { usage: { ...result.usage }, span: spans[0] as ReadableSpan };
}

describe('cached input tokens, recorded from the wire', () => {
  it('records Anthropic cache_read_input_tokens, counted inside input_tokens', async () => {
    fakes().anthropic.answer(() => anthropicAnswer({ inputTokens: 180, cacheRead: 1024, cacheCreation: 40, outputTokens: 12 }));
    const { usage, span } = await invoke('cache-anthropic', HTTP_CLOUD);
    // Anthropic's input_tokens leaves cached and cache-written tokens out; the record counts every prompt token.
    expect(usage).toEqual({ input_tokens: 180 + 1024 + 40, output_tokens: 12, cached_input_tokens: 1024, estimated_input_tokens: expect.any(Number) });
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 1244,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': 1024,
    });
  });

  it('records OpenAI usage.prompt_tokens_details.cached_tokens', async () => {
    fakes().openai.answer(() => openaiAnswer({ promptTokens: 1500, cachedTokens: 1280, completionTokens: 9 }));
    const { usage, span } = await invoke('cache-openai', HTTP_LARGE);
    expect(usage).toEqual({ input_tokens: 1500, output_tokens: 9, cached_input_tokens: 1280, estimated_input_tokens: expect.any(Number) });
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 1500,
      'gen_ai.usage.cache_read.input_tokens': 1280,
    });
  });

  it('records a reported zero, and nothing at all when the provider does not say', async () => {
    fakes().openai.answer(() => openaiAnswer({ promptTokens: 700, cachedTokens: 0 }));
    const zero = await invoke('cache-zero', HTTP_LARGE);
    expect(zero.usage['cached_input_tokens']).toBe(0);
    expect(zero.span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(0);

    fakes().openai.answer(() => openaiAnswer({ promptTokens: 700 }));
    const silent = await invoke('cache-silent', HTTP_LARGE);
    expect(silent.usage).toEqual({ input_tokens: 700, output_tokens: 7, estimated_input_tokens: expect.any(Number) });
    expect(silent.span.attributes).not.toHaveProperty('gen_ai.usage.cache_read.input_tokens');

    fakes().anthropic.answer(() => anthropicAnswer({ inputTokens: 300 }));
    const anthropicSilent = await invoke('cache-anthropic-silent', HTTP_CLOUD);
    expect(anthropicSilent.usage).toEqual({ input_tokens: 300, output_tokens: 9, estimated_input_tokens: expect.any(Number) });
    expect(anthropicSilent.span.attributes).not.toHaveProperty('gen_ai.usage.cache_read.input_tokens');
  });
});
