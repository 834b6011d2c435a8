/**
 * `prefix-cache`: what the byte-stable role prefix buys on a real local server. Gemma 3 270M behind
 * llama-server (-c 4096, one slot); per repeat a fresh server (a cold cache), then two invocations of
 * the same role pack on different micro-tasks: the second finds the prefix in the server's prompt
 * cache. Value: p50 latency of the second over p50 of the first, same run. Needs the local model
 * (`node --import tsx cli/tools/llama-server.ts --install`); without it the target fails, naming the fix.
 */
import { performance } from 'node:perf_hooks';
import { chatCompletionsBody } from '../../activities/providers/openai-compatible.js';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import { renderPacks } from '../../shared/engine/render.js';
import { startLlamaServer } from '../../cli/tools/llama-server-process.js';
import { resolveLocalModel } from '../../cli/tools/llama-server.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { EXAMPLE_WORKSPACE } from '../support/scaled-workspace.js';
import { median, round } from '../support/stats.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

interface Timed {
  readonly ms: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  /** The server's own time for reading the prompt (`timings.prompt_ms`): less noisy than the wall clock. */
  readonly promptMs: number;
}

async function post(baseUrl: string, body: unknown): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { usage?: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } }; timings?: { prompt_ms?: number } };
  if (!res.ok || !answer.usage) throw new Error(`llama-server answered HTTP ${res.status}`);
  return { ms: performance.now() - started, promptTokens: answer.usage.prompt_tokens, cachedTokens: answer.usage.prompt_tokens_details?.cached_tokens ?? 0, promptMs: answer.timings?.prompt_ms ?? Number.NaN };
}

export const prefixCache: BenchTarget = {
  id: 'prefix-cache',
  title: 'second invocation of a job vs the first on a real llama-server (prompt cache)',
  results: ['prefix-cache'],
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const local = await resolveLocalModel({ install: false });
    const workspace = await Workspace.open(EXAMPLE_WORKSPACE);
    const packs = await assemblePacks(workspace, 'coder', { path: '.ctxpack/work-units/wp-7.yaml' }, { contextWindow: 4096 });
    const prefix = renderPacks({ rolePack: packs.role.pack, rolePackHash: packs.role.hash, workUnitPack: packs.workUnit.pack, workUnitPackHash: packs.workUnit.hash, microTaskId: 'MT-7.1' }).messages[0]!.content;
    const bodies = ['MT-7.1', 'MT-7.2'].map((microTask) => {
      const rendering = renderPacks({ rolePack: packs.role.pack, rolePackHash: packs.role.hash, workUnitPack: packs.workUnit.pack, workUnitPackHash: packs.workUnit.hash, microTaskId: microTask });
      // A short grammar-constrained answer: the figure is about reading the prompt, not writing.
      return { ...chatCompletionsBody({ model: 'gemma3-270m', messages: rendering.messages, allowedTools: packs.role.pack.allowed_tools, maxOutputTokens: 16, context: { role: 'coder', microTask, iteration: 1 } }, 'grammar'), temperature: 0 };
    });
    const first: Timed[] = [];
    const second: Timed[] = [];
    let prefixTokens = 0;
    for (let repeat = 0; repeat < ctx.repeats('slow'); repeat++) {
      const server = await startLlamaServer({ contextSize: 4096, local });
      try {
        prefixTokens = await server.tokenize(prefix, true);
        first.push(await post(server.baseUrl, bodies[0]));
        second.push(await post(server.baseUrl, bodies[1]));
      } finally {
        await server.stop();
      }
      ctx.log(`repeat ${repeat + 1}: first ${round(first.at(-1)!.ms)} ms, second ${round(second.at(-1)!.ms)} ms (cached ${second.at(-1)!.cachedTokens})`);
    }
    const p50First = median(first.map((t) => t.ms));
    const p50Second = median(second.map((t) => t.ms));
    const ratio = p50Second / p50First;
    const cached = median(second.map((t) => t.cachedTokens));
    return [
      {
        id: 'prefix-cache',
        title: 'p50 latency, second invocation / first (same role prefix, fresh server per repeat)',
        value: round(ratio),
        unit: 'x',
        target: '< 1x, cached >= 90% of the prefix',
        baseline: `first invocation on a cold cache, p50 ${round(p50First)} ms`,
        met: ratio < 1 && cached >= 0.9 * prefixTokens,
        rerun: ['node --import tsx bench/run.ts --only prefix-cache'],
        details: {
          p50_first_ms: round(p50First),
          p50_second_ms: round(p50Second),
          p50_server_prompt_ms_first: round(median(first.map((t) => t.promptMs))),
          p50_server_prompt_ms_second: round(median(second.map((t) => t.promptMs))),
          prompt_tokens: median(first.map((t) => t.promptTokens)),
          prefix_tokens: prefixTokens,
          cached_tokens_second: cached,
          repeats: first.length,
        },
      },
    ];
  },
};
