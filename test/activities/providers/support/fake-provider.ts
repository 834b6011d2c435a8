/**
 * A loopback HTTP server that speaks the three wire formats the adapters use (OpenAI Chat
 * Completions at /v1/chat/completions, Anthropic Messages at /v1/messages, legacy Completions at
 * /v1/completions). It checks every request the way the real service would (method, path, auth
 * headers, anthropic-version, JSON shape), records each request's raw body, and answers whatever
 * the test asks: a JSON body with a status, raw bytes, or nothing at all (to force a timeout).
 *
 * A request that fails a check is answered 400 and its problem recorded in `violations`; tests
 * assert that list is empty, so an adapter that sends a wrong shape fails loudly.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WireApi = 'openai-compatible' | 'anthropic' | 'completion';

export interface RecordedRequest {
  readonly api: WireApi | undefined;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** What the server answers: JSON with a status, raw text, or silence. */
export type Reply =
  | { readonly status?: number; readonly json: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status?: number; readonly raw: string }
  | { readonly hang: true };

export type ReplyHandler = (request: RecordedRequest) => Reply;

export interface FakeProviderOptions {
  /**
   * The key requests must carry (Bearer for the OpenAI formats, x-api-key for Anthropic). When
   * undefined, requests must carry no credentials at all.
   */
  readonly apiKey?: string;
}

export interface FakeProvider {
  /** `http://127.0.0.1:<port>`; the OpenAI formats' base_url is this plus `/v1`. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  readonly violations: string[];
  /** Sets how the server answers from now on. */
  answer(handler: ReplyHandler): void;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, WireApi>> = {
  '/v1/chat/completions': 'openai-compatible',
  '/v1/messages': 'anthropic',
  '/v1/completions': 'completion',
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

function checkBearer(headers: IncomingHttpHeaders, apiKey: string | undefined, problems: string[]): void {
  if (apiKey === undefined) {
    if (headers.authorization !== undefined) problems.push('authorization header sent to a keyless provider');
  } else if (headers.authorization !== `Bearer ${apiKey}`) {
    problems.push('authorization header is not "Bearer <key>"');
  }
  if (headers['x-api-key'] !== undefined) problems.push('x-api-key header on an OpenAI-format request');
}

function checkTools(tools: unknown, problems: string[], shape: (tool: Json) => boolean): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools) || tools.length === 0) problems.push('tools present but not a non-empty array');
  else if (!tools.every((tool) => isObject(tool) && shape(tool))) problems.push('a tool definition has the wrong shape');
}

function checkOpenAI(json: Json, headers: IncomingHttpHeaders, apiKey: string | undefined, problems: string[]): void {
  checkBearer(headers, apiKey, problems);
  const messages = json['messages'];
  if (!Array.isArray(messages) || messages.length === 0) problems.push('messages is not a non-empty array');
  else if (!messages.every((m) => isObject(m) && (m['role'] === 'system' || m['role'] === 'user') && isString(m['content']))) {
    problems.push('a message is not {role: system|user, content: string}');
  }
  checkTools(json['tools'], problems, (tool) => {
    const fn = tool['function'];
    return tool['type'] === 'function' && isObject(fn) && isString(fn['name']) && isString(fn['description']) && isObject(fn['parameters']);
  });
  if ('prompt' in json) problems.push('prompt field on a chat request');
}

function checkAnthropic(json: Json, headers: IncomingHttpHeaders, apiKey: string | undefined, problems: string[]): void {
  if (apiKey === undefined ? headers['x-api-key'] !== undefined : headers['x-api-key'] !== apiKey) problems.push('x-api-key header wrong');
  if (headers.authorization !== undefined) problems.push('authorization header on an Anthropic request');
  if (headers['anthropic-version'] !== '2023-06-01') problems.push('anthropic-version header is not 2023-06-01');
  const maxTokens = json['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0) problems.push('max_tokens is not a positive integer');
  const system = json['system'];
  if (system !== undefined) {
    if (!Array.isArray(system) || !system.every((b) => isObject(b) && b['type'] === 'text' && isString(b['text']))) {
      problems.push('system is not an array of text blocks');
    }
  }
  const messages = json['messages'];
  if (!Array.isArray(messages) || messages.length === 0) problems.push('messages is not a non-empty array');
  else if (!messages.every((m) => isObject(m) && (m['role'] === 'user' || m['role'] === 'assistant') && (isString(m['content']) || Array.isArray(m['content'])))) {
    problems.push('a message is not {role: user|assistant, content}');
  }
  checkTools(json['tools'], problems, (tool) => isString(tool['name']) && isString(tool['description']) && isObject(tool['input_schema']));
}

function checkCompletion(json: Json, headers: IncomingHttpHeaders, apiKey: string | undefined, problems: string[]): void {
  checkBearer(headers, apiKey, problems);
  if (!isString(json['prompt'])) problems.push('prompt is not a string');
  const maxTokens = json['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0) problems.push('max_tokens is not a positive integer');
  if ('messages' in json) problems.push('messages field on a completion request');
  if ('tools' in json) problems.push('tools field on a completion request');
}

function check(api: WireApi | undefined, request: RecordedRequest, apiKey: string | undefined): string[] {
  const problems: string[] = [];
  if (api === undefined) return [`no route for ${request.path}`];
  if (request.method !== 'POST') problems.push(`method ${request.method}, expected POST`);
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) problems.push('content-type is not application/json');
  const json = request.json;
  if (!isObject(json)) return [...problems, 'body is not a JSON object'];
  if (!isString(json['model']) || json['model'] === '') problems.push('model is not a non-empty string');
  if (api === 'openai-compatible') checkOpenAI(json, request.headers, apiKey, problems);
  else if (api === 'anthropic') checkAnthropic(json, request.headers, apiKey, problems);
  else checkCompletion(json, request.headers, apiKey, problems);
  return problems.map((problem) => `${api}: ${problem}`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  if ('hang' in reply) return; // never answer: the client's timeout must fire
  if ('raw' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(reply.raw);
    return;
  }
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
  res.end(JSON.stringify(reply.json));
}

/** Starts the server on 127.0.0.1 with a free port. Close it in `afterEach`/`afterAll`. */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let handler: ReplyHandler = () => ({ status: 500, json: { error: { type: 'no_answer_configured' } } });

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = req.url ?? '';
      const api = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
      const recorded: RecordedRequest = { api, method: req.method ?? '', path, headers: req.headers, body, json };
      requests.push(recorded);
      const problems = check(api, recorded, options.apiKey);
      if (problems.length > 0) {
        violations.push(...problems);
        send(res, { status: api === undefined ? 404 : 400, json: { error: { type: 'fake_check_failed', message: problems.join('; ') } } });
        return;
      }
      send(res, handler(recorded));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    violations,
    answer(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Hanging requests keep sockets open; drop them so close() returns.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
