/**
 * Telemetry: with a tracer provider registered and Temporal's OpenTelemetryPlugin on the worker,
 * every model call is a span with GenAI semantic-convention attributes and the context-packs
 * identity, under the activity's span. An in-memory exporter collects them.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { describe, expect, it } from 'vitest';
import { BIG, jobInput, setupJob, startJob } from '../support/governed.js';
import { withWorker } from '../support/temporal.js';

describe('telemetry', () => {
  it('records a GenAI span per model call with the role, pack and render hashes', async () => {
    const exporter = new InMemorySpanExporter();
    const spanProcessor = new SimpleSpanProcessor(exporter);
    const provider = new BasicTracerProvider();
    provider.addSpanProcessor(spanProcessor);
    // As NodeTracerProvider does: an async context manager, so spans nest across awaits.
    provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });

    const setup = await setupJob('otel');
    const handle = await startJob(setup, jobInput(BIG));
    const result = await withWorker(
      {
        taskQueue: setup.taskQueue,
        activities: setup.activities,
        plugins: [new OpenTelemetryPlugin({ resource: new Resource({ 'service.name': 'ctxpack-test' }), spanProcessor })],
      },
      () => handle.result(),
    );
    await provider.forceFlush();

    const spans = exporter.getFinishedSpans();
    const calls = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    expect(calls).toHaveLength(2);
    for (const span of calls) {
      expect(span.name).toBe('chat big-coder-14b');
      expect(span.attributes).toMatchObject({
        'gen_ai.provider.name': 'context_packs.scripted',
        'gen_ai.request.model': 'big-coder-14b',
        'gen_ai.response.model': 'big-coder-14b',
        'ctxpack.role': 'coder',
        'ctxpack.pack_hash': result.binding.work_unit_pack_hash,
        'ctxpack.role_pack_hash': result.binding.role_pack_hash,
        'ctxpack.location': 'local',
      });
      expect(span.attributes['ctxpack.render_hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(100);
      // Nested under the activity span the OpenTelemetry interceptor created.
      const parent = spans.find((s) => s.spanContext().spanId === span.parentSpanId);
      expect(parent?.name).toMatch(/invokeModel/);
    }
  });
});
