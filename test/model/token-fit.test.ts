/**
 * Token counts against the real server: packs sized around the window (the example notes padded
 * with facts until the untrimmed payload is several times the window), built for Gemma at -c 1024
 * and -c 2048 with the registry's request_fit, invoked through the real activities. The server must
 * accept every request, and its own prompt_tokens, recorded next to the estimate, must equal its
 * count of the exact bytes it received (`/apply-template` + `/tokenize`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORK_UNIT } from '../support/workspace.js';
import { loadWorkUnitPack } from '../../shared/engine/pack-io.js';
import { openPackStore } from '../../shared/engine/store/index.js';
import { addFact, bindSeat, invokeOnce, setupJob, WORKSPACE_ID } from '../support/governed.js';
import { GEMMA_FIT, REAL_SMALL, startRecordingProxy, useLlamaServers, useRealProviders } from './support/real-model.js';

const servers = useLlamaServers([1024, 2048]);

/** A long, varied fact, so the padded notes are realistic text rather than one repeated token. */
const fact = (n: number) =>
  `Deployment ${n} sets port ${8000 + n} and logLevel "${['debug', 'info', 'warn'][n % 3]}"; its config lives in deploy/site-${n}.json, is parsed at start-up by parseConfig, ` +
  `and was reviewed by the ops team in week ${n + 10}, who noted that the host field is a DNS name, the port must stay below 65536, and an unknown key such as "prot" ` +
  `must fail loudly instead of being ignored, because a silent typo once kept a canary on the default port for a whole release.`;

interface ChatBody {
  readonly messages: { role: string; content: string }[];
  readonly max_tokens?: number;
  readonly grammar?: string;
}

/**
 * The example role's prefix (codex list with hashes) and task framing (two required files with
 * hashes, the verification contract) alone exceed what Gemma can read in 1024 tokens next to the
 * answer: for that window the lean variant drops the codex references and one required file.
 */
async function makeLean(dir: string): Promise<void> {
  const role = path.join(dir, '.ctxpack/roles/coder.yaml');
  await writeFile(role, (await readFile(role, 'utf8')).replace(/codex:\n(?:  - .*\n)+/, 'codex: []\n'));
  const unit = path.join(dir, WORK_UNIT);
  await writeFile(unit, (await readFile(unit, 'utf8')).replace('  - test/config.test.js\n', '').replace(/  - \{ path: \.ctxpack\/context\/wp-7-decisions\.yaml.*\n/, ''));
}

describe('request_fit on a real server', () => {
  it.each([false, true])('refuses to build a pack for -c 1024 that cannot fit (lean: %s), so nothing the server would refuse is ever sent', async (lean) => {
    const server = servers()[0]!;
    const setup = await setupJob('token-fit-refused');
    await useRealProviders(setup.dir, {
      small: server.baseUrl,
      large: server.baseUrl,
      windows: { small: 1024, large: 1024 },
      fit: { small: GEMMA_FIT, large: GEMMA_FIT },
    });
    if (lean) await makeLean(setup.dir);
    const refused = await bindSeat(setup, REAL_SMALL).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(refused?.message).toMatch(/does not fit a 1024-token window with its request_fit reserves \(\d+ estimated tokens for the messages; the shortest rendering tried takes \d+\)/);
    console.log(`token-fit -c 1024 (lean ${lean}): ${refused?.message}`);
  });

  it('keeps every request under the window at -c 2048, with the pack cut to fit', async () => {
    const server = servers()[1]!;
    const proxy = await startRecordingProxy(server.origin);
    try {
      const setup = await setupJob(`token-fit-${server.contextSize}`);
      await useRealProviders(setup.dir, {
        small: `${proxy.origin}/v1`,
        large: `${proxy.origin}/v1`,
        windows: { small: server.contextSize, large: server.contextSize },
        fit: { small: GEMMA_FIT, large: GEMMA_FIT },
      });
      // The example's own framing is a few tokens too long for 2048 next to the reserves: lean it too.
      await makeLean(setup.dir);
      // About the window again in facts, a few long ones (~270 estimator tokens each): every cut item
      // still costs a skip record in the payload, so many short ones would measure the skip list instead.
      for (let n = 1; n <= server.contextSize / 512; n++) await addFact(setup.dir, [fact(n), fact(n + 100), fact(n + 200)].join(' '));

      const binding = await bindSeat(setup, REAL_SMALL);
      const pack = await loadWorkUnitPack(openPackStore(`file:${setup.dir}/.ctxpack/store`), binding.work_unit_pack_hash);
      // Sized around the limit: the builder had to cut facts to fit.
      expect(pack.payload.coverage.skipped.filter((s) => s.reason === 'budget').length).toBeGreaterThan(0);

      const feedback = Array.from({ length: 30 }, (_, i) => `not ok ${i + 1} - parseConfig rejects bad port ${i} (expected an Error, got undefined)`).join('\n');
      const runs = [
        { micro_task: 'MT-7.1', iteration: 1 },
        { micro_task: 'MT-7.2', iteration: 1 },
        { micro_task: 'MT-7.1', iteration: 2, feedback },
      ];
      for (const run of runs) {
        const result = await invokeOnce(setup.activities, {
          workspace_id: WORKSPACE_ID,
          workflow_id: `token-fit-${server.contextSize}`,
          run_id: 'run',
          seat: REAL_SMALL,
          binding,
          cloud_consent: false,
          ...run,
        });
        const exchange = proxy.exchanges.at(-1)!;
        expect(exchange.status).toBe(200);
        const body = JSON.parse(exchange.body.toString('utf8')) as ChatBody;
        expect(body.max_tokens).toBe(GEMMA_FIT.answer_tokens);
        expect(body.grammar).toContain('root ::=');
        // The server's prompt_tokens is its count of exactly what it received.
        const serverCount = await server.tokenize(await server.applyTemplate(body.messages), true);
        expect(result.usage.input_tokens).toBe(serverCount);
        expect(result.usage.input_tokens + GEMMA_FIT.answer_tokens).toBeLessThanOrEqual(server.contextSize);
        expect(result.usage.template_overhead_tokens).toBe(GEMMA_FIT.template_overhead_tokens);
        const estimate = result.usage.estimated_input_tokens ?? 0;
        // What the registry's margin claims: the server's count is within it (template included).
        expect(result.usage.input_tokens).toBeLessThanOrEqual(Math.ceil((estimate * (100 + GEMMA_FIT.estimate_margin_pct)) / 100) + GEMMA_FIT.template_overhead_tokens);
        console.log(
          `token-fit -c ${server.contextSize} ${run.micro_task}#${run.iteration}: estimate ${estimate}, server prompt_tokens ${result.usage.input_tokens} ` +
            `(ratio ${(result.usage.input_tokens / estimate).toFixed(3)}), answer ${result.usage.output_tokens}, cached ${result.usage.cached_input_tokens ?? 'n/a'}, ` +
            `tool calls ${JSON.stringify(result.tool_calls)}`,
        );
      }
    } finally {
      await proxy.close();
    }
  });
});
