/**
 * The detector library: secretlint's recommended preset (AWS, GitHub, Slack, npm, OpenAI, Anthropic,
 * GCP, private keys, basic auth, connection strings, SendGrid, Shopify, Linear, 1Password, ...).
 * Its message ids are mapped to this project's stable rule ids, so a library upgrade that renames a
 * message does not change pack bytes; unknown ids become `secretlint-<id>`.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';

const RULE_IDS: Readonly<Record<string, string>> = {
  AWSAccessKeyID: 'aws-access-key-id',
  AWSSecretAccessKey: 'aws-secret-access-key',
  GITHUB_TOKEN: 'github-token',
  SLACK_TOKEN: 'slack-token',
  IncomingWebhook: 'slack-webhook',
  NPM_ACCESS_TOKEN: 'npm-token',
  Npmrc_authToken: 'npm-token',
  PackageJSON_xOauthToken: 'npm-token',
  OPENAI_TOKEN: 'openai-api-key',
  ANTHROPIC_API_KEY: 'anthropic-api-key',
  PrivateKey: 'private-key',
  PrivateKeyJSON: 'private-key',
  PrivateKeyP12: 'private-key',
  BasicAuth: 'url-password',
  MongoDBConnection: 'url-password',
  MySQLConnection: 'url-password',
  PostgreSQLConnection: 'url-password',
  SENDGRID_KEY: 'sendgrid-api-key',
  SHOPIFY_KEY: 'shopify-token',
  LINEAR_API_TOKEN: 'linear-api-key',
  OPS_TOKEN: 'onepassword-token',
};

/** Message ids that are not secrets (an AWS account id is an identifier). */
const IGNORED = new Set(['AWSAccountID', 'IGNORE_MESSAGE']);

export interface LibrarySpan {
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

function ruleId(messageId: string): string {
  return RULE_IDS[messageId] ?? `secretlint-${messageId.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`;
}

export async function secretlintSpans(text: string): Promise<LibrarySpan[]> {
  const result = await lintSource({
    source: { filePath: 'context.txt', content: text, contentType: 'text' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] }, noPhysicFilePath: true },
  });
  return result.messages
    .filter((message) => !IGNORED.has(message.messageId))
    .map((message) => ({ start: message.range[0], end: message.range[1], rule: ruleId(message.messageId) }));
}
