/**
 * A governed job end to end on the real model: the real activities on a real worker, the dev
 * server, Gemma 3 270M behind llama-server (-c 4096) with grammar-constrained tool calls, and a
 * loopback recording proxy keeping the exact bytes the server received and answered.
 *
 * Proven against those bytes: each invocation's render and prefix hashes are the hashes of what the
 * server got; the stored response is what it answered; every tool call is one the pack allows and
 * carries the gate's verdict; `ctxpack replay --show` re-renders, byte for byte, the messages in the
 * request body; and from the second invocation on the server's prompt cache served at least 90% of
 * the role prefix (its own /tokenize count), recorded in history and on the model-call span.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadRunArtifact, ModelResponseRecord } from '../../activities/run-artifacts.js';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { sha256 } from '../../shared/engine/hash.js';
import { openPackStore } from '../../shared/engine/store/index.js';
import { invocations } from '../../cli/temporal/history-records.js';
import { runCtxpack } from '../support/cli.js';
import { jobInput, runWorker, setupJob, startJob } from '../support/governed.js';
import { GEMMA, GEMMA_FIT, REAL_SMALL, startRecordingProxy, useLlamaServers, useRealProviders } from './support/real-model.js';

const servers = useLlamaServers([4096]);
const exporter = new InMemorySpanExporter();
const tracing = new BasicTracerProvider();

beforeAll(() => {
  tracing.addSpanProcessor(new SimpleSpanProcessor(exporter));
  tracing.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
});
afterAll(async () => {
  await tracing.shutdown();
});

interface ChatBody {
  readonly model: string;
  readonly messages: { role: 'system' | 'user'; content: string }[];
  readonly grammar?: string;
  readonly tools?: unknown;
}

describe('a governed job on the real model', () => {
  it('records identity, hashes, responses, gated calls and cache hits that match the bytes on the wire; replay re-renders them', async () => {
    const server = servers()[0]!;
    const proxy = await startRecordingProxy(server.origin);
    try {
      const setup = await setupJob('governed-real');
      await useRealProviders(setup.dir, {
        small: `${proxy.origin}/v1`,
        large: `${proxy.origin}/v1`,
        windows: { small: 4096, large: 4096 },
        fit: { small: GEMMA_FIT, large: GEMMA_FIT },
        maxIterations: 3,
      });
      const handle = await startJob(setup, jobInput(REAL_SMALL));
      await runWorker(setup, () => handle.result().catch(() => undefined));
      await tracing.forceFlush();
      const calls = invocations(await handle.fetchHistory());
      const exchanges = proxy.exchanges.filter((e) => e.path === '/v1/chat/completions');
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(exchanges).toHaveLength(calls.length);
      const store = openPackStore(`file:${setup.dir}/.ctxpack/store`);
      const spans = exporter.getFinishedSpans().filter((span) => span.name === `chat ${GEMMA}`);
      expect(spans).toHaveLength(calls.length);
      const prefixTokens = await server.tokenize((JSON.parse(exchanges[0]!.body.toString('utf8')) as ChatBody).messages[0]!.content, true);

      for (const [index, call] of calls.entries()) {
        const exchange = exchanges[index]!;
        expect(exchange.status).toBe(200);
        const body = JSON.parse(exchange.body.toString('utf8')) as ChatBody;
        const { identity } = call.result;
        // Identity: what was recorded is the hash of exactly what the server received.
        expect(identity).toMatchObject({ role_id: 'coder', model: GEMMA, location: 'local' });
        expect(identity.render_hash).toBe(sha256(canonicalBytes(body.messages)));
        expect(identity.prefix_hash).toBe(sha256(Buffer.from(body.messages[0]!.content, 'utf8')));
        expect(body.grammar).toMatch(/^root ::= call0 \| call1\n/);
        expect(body.tools).toBeUndefined();
        // The stored response is what the server answered.
        const answer = JSON.parse(exchange.response.toString('utf8')) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
        const stored = await loadRunArtifact(store, call.result.response_hash, ModelResponseRecord, 'model response');
        expect(stored.text).toBe(answer.choices[0]!.message.content);
        expect(call.result.output_hash).toBe(sha256(stored.text));
        expect(call.result.usage.input_tokens).toBe(answer.usage.prompt_tokens);
        // Gated: one call, of a tool the pack allows (the grammar admits no other), with the gate's verdict.
        expect(call.result.tool_calls).toHaveLength(1);
        for (const tool of call.result.tool_calls) {
          expect(['read_file', 'run_tests']).toContain(tool.tool);
          expect(typeof tool.allowed).toBe('boolean');
        }
        // The span carries the same usage, cache hits included.
        const attributes = spans[index]!.attributes;
        expect(attributes['gen_ai.usage.input_tokens']).toBe(call.result.usage.input_tokens);
        expect(attributes['gen_ai.usage.cache_read.input_tokens']).toBe(call.result.usage.cached_input_tokens);
        expect(attributes['ctxpack.estimated_input_tokens']).toBe(call.result.usage.estimated_input_tokens);
        // Real prompt caching: from the second invocation on, the role prefix comes from the cache.
        if (index > 0) expect(call.result.usage.cached_input_tokens ?? 0).toBeGreaterThanOrEqual(0.9 * prefixTokens);
      }

      // Replay re-renders the first and the last invocation byte for byte as the server received them.
      for (const n of [1, calls.length]) {
        const shown = await runCtxpack(['replay', handle.workflowId, '--show', String(n), '--json', '--workspace', setup.dir], {
          env: { TEMPORAL_ADDRESS: inject('temporalAddress') },
          timeoutMs: 120_000,
        });
        expect(shown.code, shown.stderr).toBe(0);
        const replayed = JSON.parse(shown.stdout) as { replay: { deterministic: boolean }; messages: unknown[] };
        expect(replayed.replay.deterministic).toBe(true);
        expect(exchanges[n - 1]!.body.includes(Buffer.from(`"messages":${JSON.stringify(replayed.messages)}`, 'utf8'))).toBe(true);
      }
      console.log(
        `governed-real: ${calls.length} invocations; prefix ${prefixTokens} server tokens; ` +
          calls
            .map((c, i) => `#${i + 1} prompt ${c.result.usage.input_tokens} (estimate ${c.result.usage.estimated_input_tokens}) cached ${c.result.usage.cached_input_tokens} -> ${c.result.tool_calls.map((t) => `${t.tool}:${t.allowed ? 'allowed' : t.rule}`).join(',')}`)
            .join('; '),
      );
    } finally {
      await proxy.close();
    }
  });
});
