/**
 * Helpers for the real-model suite: llama-server instances on loopback (started per test file from
 * the build the global setup found), a recording proxy that keeps the exact request bytes a server
 * received, and a provider registry pointing the example workspace's ladder at them.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, inject } from 'vitest';
import type { RequestFit } from '../../../shared/core/schema/providers.js';
import type { Seat } from '../../../shared/core/schema/governed-job.js';
import { startLlamaServer, type RunningLlamaServer } from '../../../cli/tools/llama-server-process.js';
import { MODEL, type LocalModel } from '../../../cli/tools/llama-server.js';

/** The model id the registry gives Gemma 3 270M (llama-server serves whatever model it loaded). */
export const GEMMA = 'gemma3-270m';
export const REAL_SMALL: Seat = { role: 'coder', model: GEMMA, provider: 'local-small' };
export const REAL_LARGE: Seat = { role: 'coder', model: GEMMA, provider: 'local-large' };

/**
 * Gemma 3 270M against the o200k estimator, measured on this project's renderings with the real
 * server (`/tokenize` of `/apply-template`'s prompt): Gemma counts ~29% more tokens for the example
 * rendering (mostly the data block's indented JSON), and its ChatML fallback template (the GGUF has
 * no chat template; `<|im_start|>` is plain text to Gemma) adds ~39 tokens for two messages and the
 * assistant turn. 192 answer tokens hold any path-only call the grammar admits (paths are at most 120
 * characters); a write_file's content has no such bound, so these suites allow read_file and run_tests.
 */
export const GEMMA_FIT: RequestFit = { answer_tokens: 192, template_overhead_tokens: 48, estimate_margin_pct: 35, feedback_tokens: 64 };

export function localModel(): LocalModel {
  return {
    server: { path: inject('llamaServerPath'), versionLine: inject('llamaServerVersion'), source: 'cache' },
    model: { path: inject('localModelPath'), sha256: MODEL.sha256, bytes: MODEL.bytes, source: 'cache' },
  };
}

/** Starts one llama-server per context size for the file, stopped after it. */
export function useLlamaServers(sizes: readonly number[]): () => RunningLlamaServer[] {
  let servers: RunningLlamaServer[] = [];
  beforeAll(async () => {
    for (const contextSize of sizes) servers.push(await startLlamaServer({ contextSize, local: localModel() }));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    servers = [];
  });
  return () => {
    if (servers.length !== sizes.length) throw new Error('the llama servers are not running (did beforeAll fail?)');
    return servers;
  };
}

export interface RecordedExchange {
  readonly path: string;
  /** The request body exactly as the server received it. */
  readonly body: Buffer;
  readonly status: number;
  readonly response: Buffer;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: put `${origin}/v1` in the registry instead of the server's. */
  readonly origin: string;
  readonly exchanges: RecordedExchange[];
  close(): Promise<void>;
}

/** A loopback proxy in front of `target` that forwards every request unchanged and records it. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const exchanges: RecordedExchange[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
        const back: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => back.push(chunk));
        answer.on('end', () => {
          const response = Buffer.concat(back);
          exchanges.push({ path: req.url ?? '', body, status: answer.statusCode ?? 0, response });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(response);
        });
      });
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    exchanges,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RealRegistry {
  /** Base URL (`…/v1`) of local-small and of local-large. */
  readonly small: string;
  readonly large: string;
  readonly windows: { readonly small: number; readonly large: number };
  /** RequestFit per rung; absent means the registry gives none (the old payload-only trimming). */
  readonly fit?: { readonly small?: RequestFit; readonly large?: RequestFit };
  readonly escalateOn?: readonly string[];
  readonly maxIterations?: number;
  /** The coder role's allowed tools. Default: the path-only ones (see GEMMA_FIT). */
  readonly allowedTools?: readonly string[];
  readonly escalateAfter?: number;
}

/**
 * Points the example workspace's two local rungs at real servers (both serving Gemma, grammar-
 * constrained tool calls) and trims its coder ladder to them: no cloud rung.
 */
export async function useRealProviders(dir: string, registry: RealRegistry): Promise<void> {
  const entry = (id: string, baseUrl: string, window: number, fit: RequestFit | undefined) => ({
    id,
    kind: 'local',
    api: 'openai-compatible',
    base_url: baseUrl,
    tool_calls: 'grammar',
    models: [{ id: GEMMA, context_window: window, ...(fit ? { request_fit: fit } : {}) }],
  });
  await writeFile(
    path.join(dir, '.ctxpack/providers.yaml'),
    stringify({
      schema_version: 1,
      providers: [
        entry(REAL_SMALL.provider, registry.small, registry.windows.small, registry.fit?.small),
        entry(REAL_LARGE.provider, registry.large, registry.windows.large, registry.fit?.large),
      ],
    }),
  );
  const rolePath = path.join(dir, '.ctxpack/roles/coder.yaml');
  const role = await readFile(rolePath, 'utf8');
  const ladder = /  ladder:\n(?:    - .*\n)+/.exec(role)?.[0];
  if (!ladder) throw new Error('the example coder role has no ladder block');
  const profile = [
    '  ladder:',
    `    - { provider: ${REAL_SMALL.provider}, model: ${GEMMA} }`,
    `    - { provider: ${REAL_LARGE.provider}, model: ${GEMMA} }`,
    '',
  ].join('\n');
  let edited = role.replace(ladder, profile).replace('allowed_tools: [read_file, write_file, run_tests]', `allowed_tools: [${(registry.allowedTools ?? ['read_file', 'run_tests']).join(', ')}]`);
  edited = edited.replace(/  escalate_after_failures: \d+\n/, `  escalate_after_failures: ${registry.escalateAfter ?? 2}\n`);
  edited = edited.replace(/  max_iterations: \d+\n/, `  max_iterations: ${registry.maxIterations ?? 4}\n`);
  if (registry.escalateOn !== undefined) edited = edited.replace(/  max_iterations: (\d+)\n/, `  max_iterations: $1\n  escalate_on_provider_errors: [${registry.escalateOn.join(', ')}]\n`);
  await writeFile(rolePath, edited);
}
