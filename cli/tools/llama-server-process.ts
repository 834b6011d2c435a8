/**
 * Starts throwaway `llama-server` instances on loopback ports (tests, the local-model demo, the
 * bench), and reads the server's own token counts: `/tokenize`, `/apply-template`, `/v1/models`.
 */
import { spawn } from 'node:child_process';
import { freePort, startOnFreshPorts } from './free-port.js';
import { serveProcess } from './served-process.js';
import { resolveLocalModel, type LocalModel } from './llama-server.js';
import { LocalModelUnavailable } from '../../shared/core/errors.js';

export interface StartLlamaServerOptions {
  /** The context window (`-c`). */
  readonly contextSize: number;
  /** What to run. Default: {@link resolveLocalModel} (installing if needed). */
  readonly local?: LocalModel;
  /** Default: 60 s (the 270M model answers /health in ~1.5 s). */
  readonly readyTimeoutMs?: number;
  /** The model id the server reports. Default `gemma3-270m`. */
  readonly alias?: string;
  /** Extra arguments, e.g. `['--no-cache-prompt']`. */
  readonly extraArgs?: readonly string[];
}

export interface RunningLlamaServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `http://127.0.0.1:<port>/v1`: the OpenAI-compatible base URL for a provider registry entry. */
  readonly baseUrl: string;
  readonly contextSize: number;
  /** Milliseconds from spawn to the first `/health` 200. */
  readonly startMs: number;
  /** The server's own token count of `text` (`add_special: true`, as a prompt is tokenized). */
  tokenize(text: string, addSpecial?: boolean): Promise<number>;
  /** The exact prompt text the server builds from `messages` with its chat template. */
  applyTemplate(messages: readonly { role: string; content: string }[]): Promise<string>;
  /** `meta.n_ctx_train` and friends from `/v1/models`, plus the running `n_ctx` from `/props`. */
  nCtx(): Promise<number>;
  /** The last lines the server printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export async function startLlamaServer(options: StartLlamaServerOptions): Promise<RunningLlamaServer> {
  const local = options.local ?? (await resolveLocalModel());
  return startOnFreshPorts(() => startOnce(local, options), (err) => err instanceof PortTaken);
}

class PortTaken extends Error {}

async function startOnce(local: LocalModel, options: StartLlamaServerOptions): Promise<RunningLlamaServer> {
  const port = await freePort();
  const args = [
    '-m', local.model.path,
    '--host', '127.0.0.1',
    '--port', String(port),
    '-c', String(options.contextSize),
    // Without an alias the server names its model by the file's host path in every answer.
    '--alias', options.alias ?? 'gemma3-270m',
    // One slot: the whole window belongs to one request, and the slot's KV cache is the prompt cache.
    '--parallel', '1',
    // Two threads at most: the machines have 2 cores, shared with the test runner and Temporal.
    '--threads', '2',
    ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  const child = spawn(local.server.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const served = serveProcess(child, { keepChars: 16_000 });
  const stop = (): Promise<void> => served.stop();
  const origin = `http://127.0.0.1:${port}`;
  try {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    await served.ready(`${origin}/health`, timeoutMs, (why, detail) =>
      why === 'exited'
        ? new LocalModelUnavailable(`llama-server exited before it was ready (${detail})`, 'check the output above; a binary built on another CPU must be rebuilt (delete its cache directory)', [])
        : new LocalModelUnavailable(`llama-server did not answer /health within ${timeoutMs} ms: ${detail}`, 'raise readyTimeoutMs on a slow machine', []),
    );
  } catch (err) {
    await stop();
    if (/address already in use|couldn't bind/i.test(served.output())) throw new PortTaken(String(err));
    throw err;
  }
  const startMs = Date.now() - started;
  const post = async (route: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${origin}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`llama-server ${route} answered HTTP ${res.status}`);
    return res.json();
  };
  return {
    origin,
    baseUrl: `${origin}/v1`,
    contextSize: options.contextSize,
    startMs,
    async tokenize(text, addSpecial = true) {
      const answer = (await post('/tokenize', { content: text, add_special: addSpecial })) as { tokens: unknown[] };
      return answer.tokens.length;
    },
    async applyTemplate(messages) {
      return ((await post('/apply-template', { messages })) as { prompt: string }).prompt;
    },
    async nCtx() {
      const res = await fetch(`${origin}/v1/models`);
      const models = (await res.json()) as { data?: { meta?: { n_ctx?: number; n_ctx_train?: number } }[] };
      const props = (await (await fetch(`${origin}/props`)).json()) as { default_generation_settings?: { n_ctx?: number } };
      return props.default_generation_settings?.n_ctx ?? models.data?.[0]?.meta?.n_ctx ?? Number.NaN;
    },
    output: served.output,
    stop,
  };
}
