/**
 * The detector library: secretlint's recommended preset, run through `lintSource`, its findings
 * mapped onto this module's stable rule ids.
 *
 * What the preset (11.7.1) covers, by its rule: AWS secret access keys (and access key ids, which
 * it only reports with `enableIDScanRule`), GCP service-account files (only for `.json`/`.p12`
 * paths, so never here), PEM private keys whose body looks like key material, npm access tokens,
 * basic-auth URLs (http/https/ftp), Slack tokens and incoming webhooks, SendGrid, Shopify, GitHub
 * (classic at exactly 36 characters, fine-grained at exactly 82), OpenAI (keys carrying the
 * `T3BlbkFJ` marker), Anthropic (`sk-ant-api0N-` at 90-128 characters ending `AA`), Linear,
 * 1Password service-account tokens and MongoDB/MySQL/PostgreSQL connection strings.
 *
 * Corrections to how it is used:
 * - Some of its reported ranges are not the secret: the AWS secret key's range starts at the key
 *   *name* and is 40 characters long, so it ends inside the key and would leave its tail behind;
 *   basic-auth and connection-string ranges are the whole URL. Each such finding is re-located to
 *   the secret itself before it is used.
 * - Its comment filter is off: a `secretlint-disable` comment inside a context source is content
 *   from the workspace, not configuration, and must not hide a secret from redaction.
 * - AWS account ids are not reported: they identify an account, they do not grant access to it.
 * - Where it is looser than the project's own rules it is held to their bar: URL passwords that
 *   are placeholders or on documentation hosts, Slack "tokens" without a digit (`xoxo-see-you`),
 *   AWS's documented example keys.
 */
import { lintSource } from '@secretlint/core';
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { RuleId } from '../../core/secrets/rule-ids.js';
import { notAwsExample, plausibleUrlPassword } from '../../core/secrets/service-patterns.js';
import { runExclusive } from './secretlint-profiler.js';
import type { Span } from '../../core/secrets/spans.js';

type LintInput = Parameters<typeof lintSource>[0];

const FILTER_COMMENTS = '@secretlint/secretlint-rule-filter-comments';

/** Per-rule settings: report AWS access key ids (off by default), not AWS account ids. */
const SETTINGS: Readonly<Record<string, { options?: Record<string, unknown>; allowMessageIds?: string[] }>> = {
  '@secretlint/secretlint-rule-aws': { options: { enableIDScanRule: true }, allowMessageIds: ['AWSAccountID'] },
};

/**
 * The preset's rules registered one by one rather than through the preset, because core 11.7.1
 * ignores `disabled` for rules inside a preset, and the comment filter has to stay out.
 */
const CONFIG: LintInput['options']['config'] = {
  rules: presetRules
    .filter((rule) => rule.meta.id !== FILTER_COMMENTS)
    .map((rule) => ({ id: rule.meta.id, rule, ...SETTINGS[rule.meta.id] })),
};

/**
 * Finds the secret inside (or next to) a reported range: `undefined` keeps the reported range,
 * `null` drops the finding.
 */
type Locate = (text: string, start: number, end: number) => readonly [number, number] | undefined | null;

interface Mapping {
  readonly rule: RuleId | ((secret: string) => RuleId);
  readonly locate?: Locate;
  /** Holds the preset to the project's own bar where it is looser (see the entries using it). */
  readonly accept?: (secret: string) => boolean;
}

/** Mapped on purpose to nothing: reported, but not a secret. */
const NOT_A_SECRET = 'not-a-secret';

function stickyGroup(pattern: RegExp): Locate {
  return (text, start) => {
    pattern.lastIndex = start;
    const found = pattern.exec(text)?.indices?.[1];
    return found ? [found[0], found[1]] : undefined;
  };
}

/** The preset's own AWS secret pattern, anchored where its range starts (at the key name). */
const awsSecretAfterName = stickyGroup(
  /["']?(?:AWS|aws|Aws)?_?(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)["']?\s*(?::|=>|=)\s*["']?([A-Za-z0-9/+=]{40})/dy,
);

/** The value after the name the range starts at; or the range itself once upstream fixes its offset. */
const awsSecretValue: Locate = (text, start, end) => {
  const after = awsSecretAfterName(text, start, end);
  if (after) return after;
  return /^[A-Za-z0-9/+=]{40}$/.test(text.slice(start, end)) ? [start, end] : undefined;
};

/**
 * The password of the URL the range covers: after the user's `:`, up to the `@`. Held to the same
 * bar as the project's own URL rule: the preset skips some placeholders (`password`, `${VAR}`) but
 * not others (`<password>`, `changeme`), nor documentation hosts.
 */
const urlPassword: Locate = (text, start, end) => {
  const scheme = text.indexOf('://', start);
  if (scheme < 0 || scheme >= end) return undefined;
  const at = text.indexOf('@', scheme + 3);
  const colon = text.indexOf(':', scheme + 3);
  if (at < 0 || at >= end || colon < 0 || colon > at) return undefined;
  const host = /^[^\s/?#:"'<>]*/.exec(text.slice(at + 1, at + 257))?.[0] ?? '';
  return plausibleUrlPassword(text.slice(colon + 1, at), host) ? [colon + 1, at] : null;
};

const byRule = (rule: RuleId): Mapping => ({ rule });

const urlPasswordMapping: Mapping = { rule: 'url-password', locate: urlPassword };

/**
 * Every (secretlint rule, message id) the preset can report. A test checks this table against the
 * installed preset, so an upgrade that adds a message fails loudly instead of silently renaming
 * findings; until mapped, such a finding is still redacted as `unclassified-secret`.
 */
export const SECRETLINT_MAPPINGS: Readonly<Record<string, Readonly<Record<string, Mapping | typeof NOT_A_SECRET>>>> = {
  '@secretlint/secretlint-rule-aws': {
    AWSAccessKeyID: { rule: 'aws-access-key-id', accept: notAwsExample },
    AWSSecretAccessKey: { rule: 'aws-secret-access-key', locate: awsSecretValue, accept: notAwsExample },
    AWSAccountID: NOT_A_SECRET,
  },
  '@secretlint/secretlint-rule-gcp': {
    PrivateKeyJSON: byRule('gcp-service-account-key'),
    PrivateKeyP12: byRule('gcp-service-account-key'),
  },
  '@secretlint/secretlint-rule-privatekey': { PrivateKey: byRule('private-key') },
  '@secretlint/secretlint-rule-npm': {
    NPM_ACCESS_TOKEN: byRule('npm-token'),
    Npmrc_authToken: { rule: 'npm-token', locate: stickyGroup(/_authToken=([^\r\n]*)/dy) },
    PackageJSON_xOauthToken: { rule: 'github-token', locate: stickyGroup(/https?:\/\/(.{1,256}):x-oauth-basic@github\.com\//dy) },
  },
  '@secretlint/secretlint-rule-basicauth': { BasicAuth: urlPasswordMapping },
  // Its token pattern also matches words such as "xoxo-see-you-soon"; real tokens carry numeric ids.
  '@secretlint/secretlint-rule-slack': { SLACK_TOKEN: { rule: 'slack-token', accept: (secret) => /\d/.test(secret) }, IncomingWebhook: byRule('slack-webhook') },
  '@secretlint/secretlint-rule-sendgrid': { SENDGRID_KEY: byRule('sendgrid-api-key') },
  '@secretlint/secretlint-rule-shopify': { SHOPIFY_KEY: byRule('shopify-token') },
  '@secretlint/secretlint-rule-github': {
    GITHUB_TOKEN: { rule: (secret) => (secret.startsWith('github_pat_') ? 'github-fine-grained-token' : 'github-token') },
  },
  '@secretlint/secretlint-rule-openai': { OPENAI_TOKEN: byRule('openai-api-key') },
  '@secretlint/secretlint-rule-anthropic': { ANTHROPIC_API_KEY: byRule('anthropic-api-key') },
  '@secretlint/secretlint-rule-linear': { LINEAR_API_TOKEN: byRule('linear-api-key') },
  '@secretlint/secretlint-rule-1password': { OPS_TOKEN: byRule('onepassword-token') },
  '@secretlint/secretlint-rule-database-connection-string': {
    MongoDBConnection: urlPasswordMapping,
    MySQLConnection: urlPasswordMapping,
    PostgreSQLConnection: urlPasswordMapping,
  },
  [FILTER_COMMENTS]: { IGNORE_MESSAGE: NOT_A_SECRET },
};

/** Secrets the preset finds, as spans under this module's rule ids. */
export async function secretlintSpans(text: string): Promise<Span[]> {
  const result = await runExclusive(() =>
    lintSource({
      // A neutral name and no extension: the file-type rules (package.json, .npmrc, GCP .json/.p12)
      // stay off, and with noPhysicFilePath nothing is read from disk.
      source: { filePath: 'context-pack-text', ext: '', content: text, contentType: 'text' },
      options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
    }),
  );
  const spans: Span[] = [];
  for (const message of result.messages) {
    const mapping = SECRETLINT_MAPPINGS[message.ruleId]?.[message.messageId];
    if (mapping === NOT_A_SECRET) continue;
    const reported: readonly [number, number] = [Math.max(0, message.range[0]), Math.min(text.length, message.range[1])];
    const located = mapping?.locate?.(text, reported[0], reported[1]);
    if (located === null) continue;
    const [start, end] = located ?? reported;
    if (end <= start) continue;
    if (mapping?.accept && !mapping.accept(text.slice(start, end))) continue;
    const rule = mapping === undefined ? 'unclassified-secret' : typeof mapping.rule === 'function' ? mapping.rule(text.slice(start, end)) : mapping.rule;
    spans.push({ start, end, rule });
  }
  return spans;
}
