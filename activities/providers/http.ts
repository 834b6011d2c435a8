/**
 * The plumbing the HTTP adapters share: one JSON POST with a timeout, HTTP status mapped to
 * ProviderError kinds the escalation ladder reacts to, the API key read from the environment at call
 * time, and checked decoding of answers.
 *
 * Error messages end up in workflow history, so they name the provider and the HTTP status and
 * nothing else from the exchange: never the key, never the request body (it holds pack content),
 * never free text from the answer (providers echo parts of keys and prompts in their error
 * messages). The only thing taken from an error answer is its error type token, such as
 * `rate_limit_error`, when it looks like one.
 */
import { Context } from '@temporalio/activity';
import type { z } from 'zod';
import { ProviderError } from './model-provider.js';

/** What every HTTP adapter is built from. */
export interface AdapterConfig {
  /** The registry's provider id, the only provider detail error messages name. */
  readonly id: string;
  readonly baseUrl: string;
  /** Name of the environment variable holding the key; undefined for keyless (local) servers. */
  readonly apiKeyEnv: string | undefined;
  /** Read at call time, so a rotated key is picked up without rebuilding the provider. */
  readonly env: NodeJS.ProcessEnv;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** Upper bound on answer tokens, for the wire formats that require one. */
  readonly maxOutputTokens: number;
}

/** `{baseUrl}{suffix}` with exactly one slash between them, whatever the registry wrote. */
export function endpoint(baseUrl: string, suffix: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${suffix.replace(/^\/+/, '')}`;
}

/**
 * The API key for `config`, read now from its environment; undefined when the provider declares no
 * key. A declared but unset (or empty) key is a configuration fault no retry fixes.
 */
export function readApiKey(config: AdapterConfig): string | undefined {
  if (config.apiKeyEnv === undefined) return undefined;
  const key = config.env[config.apiKeyEnv];
  if (key === undefined || key === '') {
    throw new ProviderError(
      `provider "${config.id}" needs an API key in the environment variable ${config.apiKeyEnv}, which is not set on this worker`,
      'bad-response',
      false,
    );
  }
  // A control character would make fetch throw an error quoting the header value, i.e. the key.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ProviderError(
      `provider "${config.id}": the environment variable ${config.apiKeyEnv} does not hold a usable key (unexpected characters)`,
      'bad-response',
      false,
    );
  }
  return key;
}

/** The error type tokens of an error answer (`{error: {type, code}}`), those that are short identifiers. */
function errorTokens(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['error'] : undefined;
  if (typeof error !== 'object' || error === null) return [];
  const tokens: string[] = [];
  for (const field of ['type', 'code']) {
    const value = (error as Record<string, unknown>)[field];
    if (typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(value)) tokens.push(value);
  }
  return tokens;
}

/** Error type tokens that mean "prompt longer than the context window". */
const CONTEXT_WINDOW_TOKENS = new Set(['exceed_context_size_error', 'context_length_exceeded']);

/** The ProviderError for a non-2xx answer. */
function statusError(providerId: string, status: number, body: string, retryAfter: string | null): ProviderError {
  const prefix = `provider "${providerId}" answered HTTP ${status}`;
  if (status === 401 || status === 403) {
    // Nothing from the body: auth errors are where providers echo (parts of) the key.
    return new ProviderError(`${prefix}: the API key was rejected or lacks access; check the key configured for this provider`, 'bad-response', false);
  }
  const tokens = errorTokens(body);
  const token = tokens[0];
  const detail = token !== undefined ? ` (${token})` : '';
  if (status === 429) {
    const wait = retryAfter !== null && /^\d{1,6}$/.test(retryAfter) ? `; retry after ${retryAfter}s` : '';
    return new ProviderError(`${prefix}${detail}: rate limited${wait}`, 'rate-limited', true);
  }
  if (status === 408) return new ProviderError(`${prefix}${detail}: the provider timed out`, 'timeout', true);
  if (status >= 500) return new ProviderError(`${prefix}${detail}: provider unavailable`, 'unavailable', true);
  // The server's own verdict that the prompt exceeds its window (llama.cpp, OpenAI, vLLM spell it so):
  // a larger window, not a resend, fixes it, so the ladder can escalate on it.
  if (tokens.some((t) => CONTEXT_WINDOW_TOKENS.has(t))) {
    return new ProviderError(`${prefix}${detail}: the prompt does not fit the model's context window`, 'context-window', false);
  }
  // Other 4xx: the request itself is refused (unknown model, context too long...); resending the same fails again.
  return new ProviderError(`${prefix}${detail}: request refused`, 'bad-response', false);
}

/** The running activity's cancellation signal, or undefined outside an activity (direct calls, tests). */
function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** The system error code of a failed fetch (`ECONNREFUSED`...), never its message (it names host and port). */
function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as Record<string, unknown>)['code'] : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network error';
}

/**
 * POSTs `body` as JSON to `url` and returns the parsed JSON answer. The timeout covers the whole
 * exchange, answer body included; the activity's cancellation aborts it too.
 *
 * @throws ProviderError: 'timeout' (retryable) when `config.timeoutMs` passes; 'unavailable'
 * (retryable) for network failures, cancellation and 5xx; 'rate-limited' (retryable) for 429;
 * 'bad-response' (not retryable) for 401/403, other 4xx and answers that are not JSON.
 */
export async function postJson(config: AdapterConfig, url: string, headers: Readonly<Record<string, string>>, body: unknown): Promise<unknown> {
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const cancel = cancellationSignal();
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const response = await config.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
      // A redirect would resend the key to wherever the server points; providers have no reason to redirect.
      redirect: 'error',
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (err) {
    if (timeout.aborted) {
      throw new ProviderError(`provider "${config.id}" did not answer within ${config.timeoutMs} ms`, 'timeout', true);
    }
    if (cancel?.aborted) throw new ProviderError(`provider "${config.id}": call cancelled`, 'unavailable', true);
    throw new ProviderError(`provider "${config.id}" is unreachable (${networkCode(err)})`, 'unavailable', true);
  }
  if (status < 200 || status > 299) throw statusError(config.id, status, text, retryAfter);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(`provider "${config.id}" answered HTTP ${status} with a body that is not JSON`, 'bad-response', false);
  }
}

/**
 * Checks a decoded answer against the adapter's schema of it. The message names the first
 * offending field and what was expected, never the value found.
 */
export function decodeAnswer<S extends z.ZodType>(config: AdapterConfig, schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('') : '';
  throw new ProviderError(
    `provider "${config.id}" answered with an unexpected ${what} shape (at ${field === '' ? '(root)' : field.replace(/^\./, '')}: ${issue?.message ?? 'invalid'})`,
    'bad-response',
    false,
  );
}
