/**
 * Secrets without a recognisable format, found by where they sit: the value of a secret-named key
 * (`api_key=`, `"client_secret": "..."`, `PASSWORD: ...`, `--token=...`, `?access_token=`) or the
 * credential of an `Authorization`-style scheme (`Bearer ...`, `Basic ...`). A value is redacted
 * when it is not obviously harmless (benign-values.ts) and is as varied as a random string
 * (entropy.ts).
 *
 * Known gaps, chosen to keep code and prose intact: a value separated from its key by a space
 * (`--password hunter2`), passphrases with spaces, short single-word passwords (`hunter22` reads
 * as an identifier) and tokens shorter than 16 characters under non-password names.
 */
import { isNotASecret } from './benign-values.js';
import { hasRandomEntropy } from './entropy.js';
import type { Span } from './spans.js';

/** Words that make a key name a password (`pass` only as the last word: `DB_PASS`, not `passThrough`). */
const PASSWORD_WORDS = new Set(['password', 'passwd', 'passphrase', 'pwd', 'pswd']);
/** Words that make a key name a secret, token or credential on their own. */
const SECRET_WORDS = new Set(['secret', 'secrets', 'token', 'apikey', 'credential', 'credentials', 'auth', 'authorization']);
/** `<word> key` pairs that name a secret key (`api_key`, `signingKey`); `key` alone names anything. */
const KEY_KINDS = new Set(['api', 'access', 'auth', 'private', 'secret', 'signing', 'encryption', 'master', 'client', 'app', 'service', 'account']);
/**
 * A trailing word that says the value is *about* the secret rather than the secret itself:
 * `token_type`, `secret_name`, `api_key_env`, `password_hash`, `max_tokens`-style counts.
 */
const QUALIFIERS = new Set([
  'arg', 'arn', 'at', 'attr', 'attribute', 'budget', 'builder', 'cache', 'callback', 'checksum', 'class', 'client', 'config',
  'count', 'counter', 'digest', 'dir', 'enabled', 'endpoint', 'env', 'exp', 'expiration', 'expires', 'expiry', 'factory',
  'field', 'file', 'files', 'fingerprint', 'fn', 'format', 'func', 'generator', 'handler', 'hash', 'hashed', 'header', 'hint',
  'host', 'id', 'ids', 'index', 'kind', 'label', 'len', 'length', 'limit', 'list', 'loader', 'location', 'manager', 'map',
  'max', 'md5', 'min', 'mode', 'name', 'names', 'option', 'options', 'param', 'parameter', 'params', 'parser', 'path',
  'pattern', 'placeholder', 'policy', 'prefix', 'prompt', 'property', 'provider', 'query', 'ref', 'reference', 'regex',
  'required', 'reserve', 'resolver', 'rule', 'rules', 'schema', 'scope', 'scopes', 'service', 'set', 'settings', 'sha',
  'sha1', 'sha256', 'sha512', 'size', 'source', 'stats', 'store', 'suffix', 'template', 'ttl', 'type', 'uri', 'url',
  'usage', 'used', 'validator', 'var', 'variable', 'vars', 'version',
]);

/**
 * Tokens that are cursors, not credentials: `next_page_token`, `ContinuationToken`, `syncToken`.
 * They are opaque and random-looking, and APIs echo them in every listing.
 */
const CURSOR_WORDS = new Set(['next', 'page', 'continuation', 'pagination', 'cursor', 'sync', 'resume', 'idempotency', 'cancellation', 'change', 'delta']);

export type NameKind = 'password' | 'secret';

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** Whether a key name says its value is a password or another secret, and which. */
export function secretNameKind(name: string): NameKind | undefined {
  const parts = words(name);
  const last = parts[parts.length - 1];
  if (last === undefined || QUALIFIERS.has(last)) return undefined;
  if (last === 'pass' || parts.some((word) => PASSWORD_WORDS.has(word) || /(?:password|passwd|passphrase)$/.test(word))) return 'password';
  for (const [index, word] of parts.entries()) {
    if (word === 'token' && CURSOR_WORDS.has(parts[index - 1] ?? '')) continue;
    if (SECRET_WORDS.has(word) || /(?:token|secret|apikey)$/.test(word)) return 'secret';
    if (/(?:api|access|private|secret|signing|encryption|master)key$/.test(word)) return 'secret';
    if (word === 'key' && KEY_KINDS.has(parts[index - 1] ?? '')) return 'secret';
  }
  return undefined;
}

/** Shortest value judged for each kind: human passwords are short, machine tokens are not. */
const MIN_LENGTH: Readonly<Record<NameKind, number>> = { password: 8, secret: 16 };
const MAX_VALUE = 1024;

export function looksLikeSecretValue(value: string, kind: NameKind): boolean {
  return value.length >= MIN_LENGTH[kind] && !isNotASecret(value) && hasRandomEntropy(value);
}

/**
 * A key followed by an assignment operator. The lookbehind keeps the key whole (no match from the
 * middle of an identifier), and every quantifier is bounded, so scanning stays linear.
 */
const ASSIGNMENT = /(?<![A-Za-z0-9_.$])([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?[ \t]{0,16}(?:=>|:=|=|:)[ \t]{0,16}/g;
/** Where an unquoted value stops: whitespace, quotes, separators, brackets, `&` between query parameters. */
const UNQUOTED_END = /[\s"'`,;&<>(){}[\]]/;

interface Value {
  readonly start: number;
  readonly end: number;
  /** Whether code follows (`name(` or `name[`): then the value is an expression, not a literal. */
  readonly code: boolean;
}

function readValue(text: string, start: number): Value | undefined {
  const first = text[start];
  if (first === undefined) return undefined;
  if (first === '"' || first === "'" || first === '`') {
    for (let i = start + 1; i < text.length && i <= start + MAX_VALUE; i += 1) {
      const char = text[i];
      if (char === '\\') i += 1;
      else if (char === first) return { start: start + 1, end: i, code: false };
      else if (char === '\n') break;
    }
    // Unterminated (a truncated file): judge the rest of the line, so the secret is not skipped.
    return readUnquoted(text, start + 1);
  }
  // `==`, `::`: a comparison or a path separator, not an assignment.
  if (first === '=' || first === ':') return undefined;
  return readUnquoted(text, start);
}

function readUnquoted(text: string, start: number): Value | undefined {
  let end = start;
  while (end < text.length && end - start < MAX_VALUE && !UNQUOTED_END.test(text[end] as string)) {
    // `=` inside a value is code (`a.b==="x"`, `x=y`); only trailing base64 padding belongs to it.
    if (text[end] === '=' && !/^={1,2}(?:[\s"'`,;&<>(){}[\]]|$)/.test(text.slice(end, end + 4))) break;
    end += 1;
  }
  if (end === start) return undefined;
  const next = text[end];
  return { start, end, code: next === '(' || next === '[' };
}

/**
 * `Authorization`-style credentials; the scheme word is kept, the credential goes. `Token` only
 * capitalised: in prose "token" is followed by ordinary words ("token providers").
 */
const AUTH_SCHEME = /(?<![A-Za-z0-9_-])(?:[Bb]earer|[Bb]asic|Token)[ \t]+/g;
/** RFC 6750 token characters; a trailing dot ends a sentence, not a token. */
const AUTH_CREDENTIAL = /^[A-Za-z0-9._~+/=-]*[A-Za-z0-9_~+/=-]/;
/** `user:pass` in base64 is at least this long; shorter is a word after "Bearer"/"Basic". */
const MIN_CREDENTIAL = 12;

/** Secret values of secret-named keys (`generic-high-entropy`). */
export function assignmentSpans(text: string): Span[] {
  const spans: Span[] = [];
  ASSIGNMENT.lastIndex = 0;
  for (let match = ASSIGNMENT.exec(text); match !== null; match = ASSIGNMENT.exec(text)) {
    const kind = secretNameKind(match[1] as string);
    if (kind === undefined) continue;
    const value = readValue(text, ASSIGNMENT.lastIndex);
    if (value === undefined || value.code) continue;
    if (looksLikeSecretValue(text.slice(value.start, value.end), kind)) {
      spans.push({ start: value.start, end: value.end, rule: 'generic-high-entropy' });
      ASSIGNMENT.lastIndex = value.end;
    }
    // Otherwise scanning resumes inside the value: a harmless URL can still hold `?access_token=`.
  }
  return spans;
}

/** Credentials after `Bearer`/`Basic`/`Token` (`authorization-header`). */
export function authorizationSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(AUTH_SCHEME)) {
    const start = match.index + match[0].length;
    const credential = AUTH_CREDENTIAL.exec(text.slice(start, start + MAX_VALUE))?.[0];
    if (credential !== undefined && credential.length >= MIN_CREDENTIAL && looksLikeSecretValue(credential, 'password')) {
      spans.push({ start, end: start + credential.length, rule: 'authorization-header' });
    }
  }
  return spans;
}
