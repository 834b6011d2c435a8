/**
 * The project's own patterns for secrets with a recognisable format. They cover what secretlint's
 * recommended preset misses (GitLab, Stripe, Google API keys, JWTs, URL passwords for any scheme,
 * AWS access key ids, which the preset only reports when asked) and the formats it matches too
 * narrowly (fixed-length GitHub tokens, OpenAI keys only with their legacy marker, Anthropic keys
 * only at one length). Where both match, spans.ts merges the two.
 *
 * Every pattern is linear: no quantified group contains another quantifier over the same
 * characters, each run is bounded or stops at a character it cannot contain, and lookarounds look at
 * one character.
 */
import { isPlaceholder } from './benign-values.js';
import type { RuleId } from './rule-ids.js';
import type { Span } from './spans.js';

interface ServicePattern {
  readonly rule: RuleId;
  /** Global; with the `d` flag and a `secret` group when only part of the match is the secret. */
  readonly pattern: RegExp;
  /** Rejects a match that has the format but is not a secret. */
  readonly accept?: (secret: string) => boolean;
}

/** AWS's documentation keys all end in `EXAMPLE` / `EXAMPLEKEY` (`AKIAIOSFODNN7EXAMPLE`). */
export const notAwsExample = (secret: string): boolean => !secret.includes('EXAMPLE');

const PATTERNS: readonly ServicePattern[] = [
  // Long-term (AKIA) and temporary (ASIA) access key ids; ABIA/ACCA are the same for other partitions.
  { rule: 'aws-access-key-id', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, accept: notAwsExample },
  {
    rule: 'aws-secret-access-key',
    pattern:
      /(?<![A-Za-z0-9])(?:aws[_.-]?)?secret[_.-]?access[_.-]?key["']?[ \t]{0,16}(?:=>|:=|=|:)[ \t]{0,16}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    accept: notAwsExample,
  },
  {
    rule: 'aws-secret-access-key',
    pattern: /(?<![A-Za-z0-9])aws[_.-]?secret(?:[_.-]?key)?["']?[ \t]{0,16}(?:=>|:=|=|:)[ \t]{0,16}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    accept: notAwsExample,
  },
  { rule: 'github-token', pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9_]{36,251}(?![A-Za-z0-9_])/g },
  { rule: 'github-fine-grained-token', pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,244}(?![A-Za-z0-9_])/g },
  {
    rule: 'gitlab-token',
    pattern: /(?<![A-Za-z0-9_-])(?:glpat|gldt|glrt|glptt|glcbt|glsoat|glffct|gloas)-[A-Za-z0-9_-]{20,255}(?:\.[A-Za-z0-9_-]{1,64}){0,4}(?![A-Za-z0-9_-])/g,
  },
  // Bot, user, app-level, config, refresh and legacy tokens. Every real one carries numeric ids;
  // requiring a digit keeps words like "xoxo-see-you-soon" out.
  {
    rule: 'slack-token',
    pattern: /(?<![A-Za-z0-9])(?:xox[abposer]|xapp)-[A-Za-z0-9-]{8,250}[A-Za-z0-9](?![A-Za-z0-9-])/g,
    accept: (secret) => /\d/.test(secret),
  },
  { rule: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{16,255}/g },
  // Secret and restricted keys, live or test; publishable `pk_` keys are public by design.
  { rule: 'stripe-key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/g },
  { rule: 'stripe-key', pattern: /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{24,128}(?![A-Za-z0-9+/=])/g },
  // Project, service-account and admin keys, and the legacy 48-character form. `sk-ant-` cannot
  // match the second branch: it needs 32 alphanumerics straight after `sk-`.
  {
    rule: 'openai-api-key',
    pattern: /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,300}|[A-Za-z0-9]{32,300})(?![A-Za-z0-9_-])/g,
  },
  { rule: 'anthropic-api-key', pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/g },
  { rule: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { rule: 'google-oauth-client-secret', pattern: /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g },
  { rule: 'npm-token', pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g },
  // .npmrc credentials: legacy tokens are UUIDs, `_auth` and `_password` are base64.
  {
    rule: 'npm-token',
    pattern: /(?<![A-Za-z0-9_])(?:_authToken|_auth|_password)[ \t]*=[ \t]*["']?(?<secret>[A-Za-z0-9._~+/=-]{4,1024})(?![^\s"'])/dg,
    accept: (secret) => !isPlaceholder(secret),
  },
  // Prefixed token formats from gitleaks' and secretlint's rule lists that neither secretlint's
  // recommended preset nor the patterns above covered (1.4.0). Each prefix is the vendor's own
  // marker, so the match says what it is whatever the surrounding text.
  // Hugging Face user access tokens (`hf_` + 34 letters) and organisation API tokens.
  { rule: 'huggingface-token', pattern: /(?<![A-Za-z0-9_])(?:hf_|api_org_)[A-Za-z]{34}(?![A-Za-z0-9_])/g },
  // PyPI upload tokens: a macaroon whose base64 always starts with the same bytes.
  { rule: 'pypi-token', pattern: /(?<![A-Za-z0-9_-])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}(?![A-Za-z0-9_-])/g },
  // DigitalOcean personal, OAuth and refresh tokens.
  { rule: 'digitalocean-token', pattern: /(?<![A-Za-z0-9_])do[por]_v1_[a-f0-9]{64}(?![A-Za-z0-9_])/g },
  { rule: 'pulumi-token', pattern: /(?<![A-Za-z0-9_-])pul-[a-f0-9]{40}(?![A-Za-z0-9_-])/g },
  // HashiCorp Vault service and batch tokens (the `hvs.` / `hvb.` forms since Vault 1.10).
  { rule: 'hashicorp-vault-token', pattern: /(?<![A-Za-z0-9_.-])hv[sb]\.[A-Za-z0-9_-]{24,300}(?![A-Za-z0-9_-])/g },
  { rule: 'age-secret-key', pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Z0-9])/g },
  { rule: 'databricks-token', pattern: /(?<![A-Za-z0-9_-])dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9_-])/g },
  { rule: 'rubygems-token', pattern: /(?<![A-Za-z0-9_])rubygems_[a-f0-9]{48}(?![A-Za-z0-9_])/g },
  { rule: 'postman-api-key', pattern: /(?<![A-Za-z0-9_-])PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9_-])/g },
  // Grafana service-account tokens and Grafana Cloud API tokens.
  { rule: 'grafana-token', pattern: /(?<![A-Za-z0-9_])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Za-z0-9_])/g },
  { rule: 'grafana-token', pattern: /(?<![A-Za-z0-9_])glc_[A-Za-z0-9+/]{32,400}={0,2}(?![A-Za-z0-9+/=_])/g },
  // Sentry user and organisation auth tokens.
  { rule: 'sentry-token', pattern: /(?<![A-Za-z0-9_])sntry[su]_[A-Za-z0-9+/=_.-]{40,500}(?![A-Za-z0-9+/=_.-])/g },
  { rule: 'doppler-token', pattern: /(?<![A-Za-z0-9_.])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}(?![A-Za-z0-9])/g },
  // Signed JWTs: a JSON header (base64url of `{"` is `eyJ`), a payload and a signature.
  { rule: 'jwt', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g },
];

/**
 * `scheme://user:password@host`: only the password goes, so the host stays readable. The user is
 * the secret instead when the password is GitHub's literal `x-oauth-basic`.
 */
const URL_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,31}:\/\/(?<user>[^\s:/?#@"'<>[\]]{0,256}):(?<password>[^\s/?#@"'<>]{1,256})@(?<host>[^\s/?#:"'<>]{0,256})/dg;

/** RFC 2606 documentation hosts: credentials in their URLs are examples (`https://abc:xyz@example.com`). */
const DOCUMENTATION_HOST = /(?:^|\.)(?:example\.(?:com|org|net)|example)$/i;

/**
 * Whether a URL's password could be a real one: not a placeholder, not one repeated character, at
 * least 4 characters (as secretlint's own URL rules require), and not on a documentation host.
 */
export function plausibleUrlPassword(password: string, host: string): boolean {
  return password.length >= 4 && !isPlaceholder(password) && !/^(.)\1*$/.test(password) && !DOCUMENTATION_HOST.test(host);
}

function urlPasswordSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(URL_CREDENTIALS)) {
    const user = match.indices?.groups?.['user'];
    const password = match.indices?.groups?.['password'];
    const userText = match.groups?.['user'] ?? '';
    const passwordText = match.groups?.['password'] ?? '';
    const host = match.groups?.['host'] ?? '';
    if (user === undefined || password === undefined) continue;
    if (/^x-oauth-basic$/i.test(passwordText)) {
      if (plausibleUrlPassword(userText, host)) spans.push({ start: user[0], end: user[1], rule: 'url-password' });
    } else if (plausibleUrlPassword(passwordText, host)) {
      spans.push({ start: password[0], end: password[1], rule: 'url-password' });
    }
  }
  return spans;
}

/** Every secret the project's own format patterns find. */
export function serviceSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const { rule, pattern, accept } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const [start, end] = match.indices?.groups?.['secret'] ?? [match.index, match.index + match[0].length];
      if (accept && !accept(text.slice(start, end))) continue;
      spans.push({ start, end, rule });
    }
  }
  return [...spans, ...urlPasswordSpans(text)];
}
