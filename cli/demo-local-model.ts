/**
 * `npm run demo:local-model`: the governed-job story with a real model on the first rung. Gemma 3
 * 270M behind llama-server (-c 4096, grammar-constrained tool calls, request_fit) holds the coder
 * seat of a copy of the example workspace; the larger and cloud rungs stay scripted. It prints, per
 * invocation, the estimator's count next to the server's prompt_tokens, the prompt-cache hits and
 * the gated tool calls, then any escalation. Everything runs on loopback and is removed at the end.
 *
 * Needs the local model (built on first use: ~12-25 min; `node --import tsx cli/tools/llama-server.ts
 * --install` does it ahead) and the Temporal CLI (found or installed like `ctxpack dev`).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify, parse } from 'yaml';
import { shortHash } from '../shared/engine/hash.js';
import { invocations, swaps } from './temporal/history-records.js';
import { startDevServer } from './temporal/dev-server.js';
import { startLlamaServer } from './tools/llama-server-process.js';
import { resolveLocalModel } from './tools/llama-server.js';
import { DEFAULT_TASK_QUEUE, createContextPacksWorker } from '../workers/worker.js';
import { governedJob, packState } from '../workflows/governed-job.js';
import { LocalModelUnavailable } from '../shared/core/errors.js';

const EXAMPLE = fileURLToPath(new URL('../examples/workspace/', import.meta.url));
const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';
/** Gemma against the o200k estimator (see test/model/support/real-model.ts for how it was measured). */
const GEMMA_FIT = { answer_tokens: 128, template_overhead_tokens: 48, estimate_margin_pct: 35, feedback_tokens: 64 };

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  // Worker INFO lines would drown the story; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const local = await resolveLocalModel({ log: (line) => say(`llama-server: ${line}`) });
  say(`local model: ${local.server.versionLine}, Gemma 3 270M Q4_K_M sha256 ${local.model.sha256.slice(0, 12)}…`);
  const scratch = await mkdtemp(path.join(tmpdir(), 'ctxpack-local-model-'));
  const llama = await startLlamaServer({ contextSize: 4096, local, alias: 'tiny-coder-1b' });
  say(`llama-server -c 4096 answered /health in ${llama.startMs} ms`);
  const temporal = await startDevServer({ ui: false, dbFilename: path.join(scratch, 'temporal.db') });
  try {
    const dir = path.join(scratch, 'ws');
    await cp(EXAMPLE, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.ctxpack${path.sep}store`) });
    // The first rung becomes the real model; the others stay the example's scripted providers.
    const registryPath = path.join(dir, '.ctxpack/providers.yaml');
    const registry = parse(await readFile(registryPath, 'utf8')) as { providers: Record<string, unknown>[] };
    registry.providers = registry.providers.map((p) =>
      p['id'] === 'local-small'
        ? { id: 'local-small', kind: 'local', api: 'openai-compatible', base_url: llama.baseUrl, tool_calls: 'grammar', models: [{ id: 'tiny-coder-1b', context_window: 4096, request_fit: GEMMA_FIT }, { id: 'tiny-reviewer-1b', context_window: 4096, request_fit: GEMMA_FIT }] }
        : p,
    );
    await writeFile(registryPath, stringify(registry));
    // A small model's malformed or cut-off answer hands the micro-task to the next rung instead of failing the job.
    const rolePath = path.join(dir, '.ctxpack/roles/coder.yaml');
    await writeFile(rolePath, (await readFile(rolePath, 'utf8')).replace('  max_iterations: 6\n', '  max_iterations: 6\n  escalate_on_provider_errors: [bad-response, context-window]\n'));

    const { client, nativeConnection } = temporal;
    const worker = await createContextPacksWorker({ connection: nativeConnection, namespace: temporal.namespace, workspaces: { demo: dir } });
    const workflowId = `ctxpack-local-model-${Date.now().toString(36)}`;
    await worker.runUntil(async () => {
      const handle = await client.workflow.start(governedJob, {
        taskQueue: DEFAULT_TASK_QUEUE,
        workflowId,
        args: [{ workspace_id: 'demo', work_unit: WORK_UNIT, seat: { role: 'coder', model: 'tiny-coder-1b', provider: 'local-small' } }],
      });
      say(`governed job ${workflowId} started: coder on Gemma 3 270M (as tiny-coder-1b@local-small)`);
      const outcome = await handle.result().then(
        (r) => `passed on ${r.seat.model}@${r.seat.provider}`,
        (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      const state = await handle.query(packState);
      const history = await handle.fetchHistory();
      for (const call of invocations(history)) {
        const { identity, usage, tool_calls: tools } = call.result;
        say(
          `  #${call.n} ${identity.micro_task} iteration ${identity.iteration} on ${identity.model}@${identity.provider}: pack ${shortHash(identity.work_unit_pack_hash)} prefix ${shortHash(identity.prefix_hash)}; ` +
            `tokens estimated ${usage.estimated_input_tokens ?? '?'} / server ${usage.input_tokens} (template reserve ${usage.template_overhead_tokens ?? 'n/a'}), ` +
            `cached ${usage.cached_input_tokens ?? 'n/a'}, answer ${usage.output_tokens}; calls ${tools.map((t) => `${t.tool}${t.path ? ` ${t.path}` : ''} ${t.allowed ? 'allowed' : `denied (${t.rule})`}`).join(', ') || 'none'}`,
        );
      }
      for (const event of history.events ?? []) {
        const failure = event.activityTaskFailedEventAttributes?.failure;
        if (failure) say(`  failed call: ${failure.applicationFailureInfo?.type ?? 'error'}: ${failure.message ?? ''}`);
      }
      for (const swap of swaps(history)) say(`  swap: ${swap.result.result.decision} (${swap.result.result.rebuild_reasons.join(', ')})`);
      for (const entry of state.swap_log) say(`  escalation: ${entry.from.model}@${entry.from.provider} -> ${entry.to.model}@${entry.to.provider} (${entry.requester})`);
      say(`job ${outcome}`);
    });
  } finally {
    await temporal.stop();
    await llama.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof LocalModelUnavailable ? `${err.message}\nfix: ${err.fix}\n` : `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
