/**
 * The synthetic redaction corpus. Every "secret" here is FAKE: its random-looking part is generated
 * at test time from a fixed seed (so it is the same on every run and machine), and joined to its
 * service prefix then. The repository therefore never holds a contiguous token that a scanner, or a
 * person, could mistake for a real credential.
 */
import type { RuleId } from '../../../../shared/engine/redact/index.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;
const UPPER_DIGITS = UPPER + DIGITS;
const BASE64 = `${ALNUM}+/`;
const BASE64URL = `${ALNUM}-_`;
const HEX = '0123456789abcdef';

/** mulberry32 seeded from the label: a fixed, portable stream of "random" characters. */
export function fake(label: string, length: number, alphabet = ALNUM): string {
  let seed = 2166136261;
  for (const char of label) seed = Math.imul(seed ^ char.charCodeAt(0), 16777619) >>> 0;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out += alphabet[Math.floor(value * alphabet.length)];
  }
  return out;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

/** A fake PEM body: base64 that starts like DER (`MII`), as real keys do, wrapped at 64. */
function pemBody(label: string, lines: number): string {
  const raw = `MIIE${fake(label, 64 * lines - 4, BASE64)}`;
  return raw.match(/.{1,64}/g)?.join('\n') ?? raw;
}
/**
 * A fake 1Password service-account token body: base64 JSON, as the real format is. Padded so its
 * length is 1 mod 3, which makes the base64 end in `fQ==` as the preset's pattern expects.
 */
function onePasswordJson(): string {
  const body = {
    signInAddress: 'my.1password.invalid',
    email: `${fake('ops-mail', 13, LOWER)}@1passwordserviceaccounts.invalid`,
    srpX: fake('ops-srp', 64, HEX),
    muk: { alg: 'A256GCM', ext: true, k: fake('ops-k', 43, BASE64URL), kty: 'oct', kid: 'mp' },
    pad: '',
  };
  while (JSON.stringify(body).length % 3 !== 1) body.pad += 'x';
  return JSON.stringify(body);
}

const pem = (kind: string) => ['-----BEGIN ', kind, 'PRIVATE KEY-----'].join('');
const pemEnd = (kind: string) => ['-----END ', kind, 'PRIVATE KEY-----'].join('');

export const FAKE = {
  awsAccessKeyId: `AKIA${fake('aws-id', 16, UPPER_DIGITS)}`,
  awsTemporaryKeyId: `ASIA${fake('aws-sts-id', 16, UPPER_DIGITS)}`,
  awsSecret: fake('aws-secret', 40, BASE64),
  awsSessionSecret: fake('aws-sts-secret', 40, BASE64),
  ghp: `ghp_${fake('ghp', 36)}`,
  gho: `gho_${fake('gho', 36)}`,
  ghu: `ghu_${fake('ghu', 36)}`,
  ghs: `ghs_${fake('ghs', 36)}`,
  ghr: `ghr_${fake('ghr', 36)}`,
  ghpLonger: `ghp_${fake('ghp-long', 40)}`,
  githubPat: `github_pat_${fake('pat-a', 22)}_${fake('pat-b', 59)}`,
  githubPatShort: `github_pat_${fake('pat-short', 30)}`,
  gitlab: `glpat-${fake('glpat', 20, BASE64URL)}`,
  slackBot: `xoxb-${fake('slack-team', 12, DIGITS)}-${fake('slack-bot', 13, DIGITS)}-${fake('slack-bot-secret', 24)}`,
  slackUser: `xoxp-${fake('slack-u1', 12, DIGITS)}-${fake('slack-u2', 12, DIGITS)}-${fake('slack-u3', 13, DIGITS)}-${fake('slack-u4', 32, HEX)}`,
  slackApp: `xoxa-2-${fake('slack-a1', 12, DIGITS)}-${fake('slack-a2', 30)}`,
  slackRefresh: `xoxr-${fake('slack-r1', 12, DIGITS)}-${fake('slack-r2', 40)}`,
  slackWebhook: `https://hooks.slack.com/services/T${fake('hook-t', 8, UPPER_DIGITS)}/B${fake('hook-b', 10, UPPER_DIGITS)}/${fake('hook-s', 24)}`,
  stripeLive: `sk_live_${fake('stripe-live', 24)}`,
  stripeRestricted: `rk_live_${fake('stripe-rk', 24)}`,
  stripeTest: `sk_test_${fake('stripe-test', 24)}`,
  stripePublishable: `pk_live_${fake('stripe-pk', 24)}`,
  openaiProject: `sk-proj-${fake('openai-proj', 64, BASE64URL)}`,
  openaiLegacy: `sk-${fake('openai-l1', 20)}${'T3Blbk'}FJ${fake('openai-l2', 20)}`,
  openaiServiceAccount: `sk-svcacct-${fake('openai-svc', 48, BASE64URL)}`,
  anthropic: `sk-ant-api03-${fake('anthropic', 93, BASE64URL)}AA`,
  anthropicShort: `sk-ant-api03-${fake('anthropic-short', 40, BASE64URL)}`,
  google: `AIza${fake('google', 35, BASE64URL)}`,
  googleOauth: `GOCSPX-${fake('gocspx', 28, BASE64URL)}`,
  npm: `npm_${fake('npm', 36)}`,
  npmLegacyUuid: `${fake('npm-u1', 8, HEX)}-${fake('npm-u2', 4, HEX)}-4${fake('npm-u3', 3, HEX)}-a${fake('npm-u4', 3, HEX)}-${fake('npm-u5', 12, HEX)}`,
  jwt: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${fake('jwt-sub', 10, DIGITS)}","name":"Test User"}`)}.${fake('jwt-sig', 43, BASE64URL)}`,
  dbPassword: `${fake('db-pass', 12)}-${fake('db-pass-2', 6)}`,
  redisPassword: fake('redis-pass', 24),
  basicAuthPassword: fake('basic-pass', 16),
  amqpPassword: fake('amqp-pass', 20),
  sendgrid: `SG.${fake('sg-1', 22)}.${fake('sg-2', 43)}`,
  shopify: `shpat_${fake('shopify', 32, HEX)}`,
  linear: `lin_api_${fake('linear', 40)}`,
  onePassword: `ops_${b64(onePasswordJson())}`,
  genericApiKey: fake('generic-api-key', 32),
  genericYamlToken: fake('generic-yaml', 28),
  clientSecretHex: fake('client-secret-hex', 40, HEX),
  herokuUuid: `${fake('heroku-1', 8, HEX)}-${fake('heroku-2', 4, HEX)}-${fake('heroku-3', 4, HEX)}-${fake('heroku-4', 4, HEX)}-${fake('heroku-5', 12, HEX)}`,
  humanPassword: `${fake('pw-1', 4, UPPER + LOWER)}#${fake('pw-2', 5)}!${fake('pw-3', 3, DIGITS)}`,
  cliApiKey: fake('cli-api-key', 24),
  queryToken: fake('query-token', 30, BASE64URL),
  bearerOpaque: fake('bearer', 40, BASE64URL),
  basicHeader: b64(`deploy:${fake('basic-header', 18)}`),
  rsaBody: pemBody('rsa', 6),
  pkcs8Body: pemBody('pkcs8', 5),
  opensshBody: `b3BlbnNzaC1rZXktdjE${fake('openssh', 64 * 4, BASE64)}`.match(/.{1,70}/g)?.join('\n') ?? '',
  truncatedBody: pemBody('truncated', 3),
};

const LOWER_UPPER = LOWER + UPPER;
const BECH32 = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L';
/** One fake per format added in redactor 1.4.0, each joined to its prefix at test time. */
export const NEW_FORMAT_SECRETS = {
  huggingface: ['hf', '_', fake('hf', 34, LOWER_UPPER)].join(''),
  huggingfaceOrg: ['api_org', '_', fake('hf-org', 34, LOWER_UPPER)].join(''),
  pypi: ['pypi-', 'AgEIcHlwaS5vcmc', fake('pypi', 70, BASE64URL)].join(''),
  digitalocean: ['dop_v1', '_', fake('do', 64, HEX)].join(''),
  pulumi: ['pul', '-', fake('pulumi', 40, HEX)].join(''),
  vault: ['hvs', '.', fake('vault', 90, ALNUM)].join(''),
  age: ['AGE-SECRET-KEY-', '1', fake('age', 58, BECH32)].join(''),
  databricks: ['dapi', fake('databricks', 32, HEX)].join(''),
  rubygems: ['rubygems', '_', fake('rubygems', 48, HEX)].join(''),
  postman: ['PMAK', '-', fake('pm1', 24, HEX), '-', fake('pm2', 34, HEX)].join(''),
  grafanaSa: ['glsa', '_', fake('glsa', 32, ALNUM), '_', fake('glsa-crc', 8, HEX)].join(''),
  grafanaCloud: ['glc', '_', fake('glc', 60, ALNUM)].join(''),
  sentry: ['sntrys', '_', fake('sentry', 80, ALNUM)].join(''),
  doppler: ['dp.pt', '.', fake('doppler', 43, ALNUM)].join(''),
};
const N = NEW_FORMAT_SECRETS;
const NEW_FORMATS: readonly PositiveCase[] = [
  { name: 'a Hugging Face access token', text: `HF_TOKEN=${N.huggingface}`, secrets: [N.huggingface], rule: 'huggingface-token' },
  { name: 'a Hugging Face organisation token', text: `login with ${N.huggingfaceOrg}`, secrets: [N.huggingfaceOrg], rule: 'huggingface-token' },
  { name: 'a PyPI upload token', text: `password = ${N.pypi}`, secrets: [N.pypi], rule: 'pypi-token' },
  { name: 'a DigitalOcean token', text: `doctl auth init -t ${N.digitalocean}`, secrets: [N.digitalocean], rule: 'digitalocean-token' },
  { name: 'a Pulumi access token', text: `PULUMI=${N.pulumi}`, secrets: [N.pulumi], rule: 'pulumi-token' },
  { name: 'a HashiCorp Vault token', text: `vault login ${N.vault}`, secrets: [N.vault], rule: 'hashicorp-vault-token' },
  { name: 'an age secret key', text: `# key\n${N.age}\n`, secrets: [N.age], rule: 'age-secret-key' },
  { name: 'a Databricks token', text: `host + ${N.databricks}`, secrets: [N.databricks], rule: 'databricks-token' },
  { name: 'a RubyGems API key', text: `:rubygems_api_key: ${N.rubygems}`, secrets: [N.rubygems.slice('rubygems_'.length)], rule: 'rubygems-token' },
  { name: 'a Postman API key', text: `X-Api-Key: ${N.postman}`, secrets: [N.postman], rule: 'postman-api-key' },
  { name: 'a Grafana service-account token', text: `grafana ${N.grafanaSa}`, secrets: [N.grafanaSa], rule: 'grafana-token' },
  { name: 'a Grafana Cloud token', text: `cloud ${N.grafanaCloud}`, secrets: [N.grafanaCloud], rule: 'grafana-token' },
  { name: 'a Sentry organisation token', text: `SENTRY=${N.sentry}`, secrets: [N.sentry], rule: 'sentry-token' },
  { name: 'a Doppler token', text: `doppler ${N.doppler}`, secrets: [N.doppler], rule: 'doppler-token' },
];

export interface PositiveCase {
  /** What the case is, for the test name: "redacts <name>". */
  readonly name: string;
  /** The text as it would appear in a context source. */
  readonly text: string;
  /** The secret(s) that must not survive. */
  readonly secrets: readonly string[];
  readonly rule: RuleId;
}

const RSA_BLOCK = `${pem('RSA ')}\n${FAKE.rsaBody}\n${pemEnd('RSA ')}`;
const PKCS8_BLOCK = `${pem('')}\n${FAKE.pkcs8Body}\n${pemEnd('')}`;
const OPENSSH_BLOCK = `${pem('OPENSSH ')}\n${FAKE.opensshBody}\n${pemEnd('OPENSSH ')}`;

export const POSITIVES: readonly PositiveCase[] = [
  { name: 'an AWS access key id', text: `aws_access_key_id = ${FAKE.awsAccessKeyId}`, secrets: [FAKE.awsAccessKeyId], rule: 'aws-access-key-id' },
  { name: 'an AWS temporary access key id', text: `export AWS_ACCESS_KEY_ID=${FAKE.awsTemporaryKeyId}`, secrets: [FAKE.awsTemporaryKeyId], rule: 'aws-access-key-id' },
  { name: 'an AWS secret access key in a credentials file', text: `[default]\naws_secret_access_key = ${FAKE.awsSecret}\n`, secrets: [FAKE.awsSecret], rule: 'aws-secret-access-key' },
  { name: 'an AWS secret access key in STS JSON output', text: `{"Credentials": {"SecretAccessKey": "${FAKE.awsSessionSecret}"}}`, secrets: [FAKE.awsSessionSecret], rule: 'aws-secret-access-key' },
  { name: 'a GitHub personal access token (ghp_)', text: `git push with ${FAKE.ghp} today`, secrets: [FAKE.ghp], rule: 'github-token' },
  { name: 'a GitHub OAuth token (gho_)', text: `token: ${FAKE.gho}`, secrets: [FAKE.gho], rule: 'github-token' },
  { name: 'a GitHub user-to-server token (ghu_)', text: `GH_TOKEN=${FAKE.ghu}`, secrets: [FAKE.ghu], rule: 'github-token' },
  { name: 'a GitHub server-to-server token (ghs_)', text: `"installation_token": "${FAKE.ghs}"`, secrets: [FAKE.ghs], rule: 'github-token' },
  { name: 'a GitHub refresh token (ghr_)', text: `refresh ${FAKE.ghr}`, secrets: [FAKE.ghr], rule: 'github-token' },
  { name: 'a GitHub token longer than today\'s 36 characters', text: `token ${FAKE.ghpLonger}.`, secrets: [FAKE.ghpLonger], rule: 'github-token' },
  { name: 'a GitHub token in a clone URL', text: `git clone https://x-access-token:${FAKE.ghs}@github.com/org/repo.git`, secrets: [FAKE.ghs], rule: 'github-token' },
  { name: 'a GitHub fine-grained token', text: `GITHUB_TOKEN=${FAKE.githubPat}`, secrets: [FAKE.githubPat], rule: 'github-fine-grained-token' },
  { name: 'a GitHub fine-grained token of another length', text: `use ${FAKE.githubPatShort} here`, secrets: [FAKE.githubPatShort], rule: 'github-fine-grained-token' },
  { name: 'a GitLab personal access token', text: `CI_JOB: ${FAKE.gitlab}`, secrets: [FAKE.gitlab], rule: 'gitlab-token' },
  { name: 'a Slack bot token (xoxb-)', text: `slack = "${FAKE.slackBot}"`, secrets: [FAKE.slackBot], rule: 'slack-token' },
  { name: 'a Slack user token (xoxp-)', text: `SLACK_USER_TOKEN=${FAKE.slackUser}`, secrets: [FAKE.slackUser], rule: 'slack-token' },
  { name: 'a Slack workspace token (xoxa-)', text: `workspace ${FAKE.slackApp}`, secrets: [FAKE.slackApp], rule: 'slack-token' },
  { name: 'a Slack refresh token (xoxr-)', text: `refresh: ${FAKE.slackRefresh}`, secrets: [FAKE.slackRefresh], rule: 'slack-token' },
  { name: 'a Slack incoming webhook URL', text: `post to ${FAKE.slackWebhook} on failure`, secrets: [FAKE.slackWebhook], rule: 'slack-webhook' },
  { name: 'a Stripe live secret key', text: `stripe.key(${FAKE.stripeLive})`, secrets: [FAKE.stripeLive], rule: 'stripe-key' },
  { name: 'a Stripe restricted key', text: `STRIPE=${FAKE.stripeRestricted}`, secrets: [FAKE.stripeRestricted], rule: 'stripe-key' },
  { name: 'a Stripe test secret key', text: `const stripe = new Stripe('${FAKE.stripeTest}');`, secrets: [FAKE.stripeTest], rule: 'stripe-key' },
  { name: 'an OpenAI project key', text: `OPENAI_API_KEY=${FAKE.openaiProject}`, secrets: [FAKE.openaiProject], rule: 'openai-api-key' },
  { name: 'an OpenAI legacy key', text: `key: ${FAKE.openaiLegacy}`, secrets: [FAKE.openaiLegacy], rule: 'openai-api-key' },
  { name: 'an OpenAI service-account key', text: `client = OpenAI(api_key="${FAKE.openaiServiceAccount}")`, secrets: [FAKE.openaiServiceAccount], rule: 'openai-api-key' },
  { name: 'an Anthropic API key', text: `ANTHROPIC_API_KEY="${FAKE.anthropic}"`, secrets: [FAKE.anthropic], rule: 'anthropic-api-key' },
  { name: 'an Anthropic API key of another length', text: `x-api-key: ${FAKE.anthropicShort}`, secrets: [FAKE.anthropicShort], rule: 'anthropic-api-key' },
  { name: 'a Google API key', text: `maps?key=${FAKE.google}&v=3`, secrets: [FAKE.google], rule: 'google-api-key' },
  { name: 'a Google OAuth client secret', text: `"client_secret": "${FAKE.googleOauth}"`, secrets: [FAKE.googleOauth], rule: 'google-oauth-client-secret' },
  { name: 'an RSA private key block', text: `key:\n${RSA_BLOCK}\nend`, secrets: [FAKE.rsaBody.slice(0, 64), FAKE.rsaBody.slice(-40)], rule: 'private-key' },
  { name: 'a PKCS#8 private key block', text: PKCS8_BLOCK, secrets: [FAKE.pkcs8Body.slice(0, 64), FAKE.pkcs8Body.slice(-40)], rule: 'private-key' },
  { name: 'an OpenSSH private key block', text: `~/.ssh/id_ed25519:\n${OPENSSH_BLOCK}\n`, secrets: [FAKE.opensshBody.slice(0, 70), FAKE.opensshBody.slice(-30)], rule: 'private-key' },
  {
    name: 'a private key cut off before its END line',
    text: `$ cat key.pem | head\n${pem('RSA ')}\n${FAKE.truncatedBody}`,
    secrets: FAKE.truncatedBody.split('\n'),
    rule: 'private-key',
  },
  {
    name: 'a JSON-escaped private key in a service-account file',
    text: JSON.stringify({ type: 'service_account', private_key_id: fake('gcp-kid', 40, HEX), private_key: `${PKCS8_BLOCK}\n` }),
    secrets: [FAKE.pkcs8Body.slice(0, 64), FAKE.pkcs8Body.slice(-40)],
    rule: 'private-key',
  },
  { name: 'a JWT', text: `Authorization: Bearer ${FAKE.jwt}`, secrets: [FAKE.jwt], rule: 'jwt' },
  { name: 'a JWT in a cookie', text: `Cookie: session=${FAKE.jwt}; Path=/`, secrets: [FAKE.jwt], rule: 'jwt' },
  { name: 'a password in a PostgreSQL URL', text: `DATABASE_URL=postgres://app:${FAKE.dbPassword}@db.internal:5432/app`, secrets: [FAKE.dbPassword], rule: 'url-password' },
  { name: 'a password in a Redis URL with no user', text: `REDIS_URL=redis://:${FAKE.redisPassword}@cache.internal:6379/0`, secrets: [FAKE.redisPassword], rule: 'url-password' },
  { name: 'a password in an https URL', text: `curl https://deploy:${FAKE.basicAuthPassword}@artifacts.example.invalid/pkg.tgz`, secrets: [FAKE.basicAuthPassword], rule: 'url-password' },
  { name: 'a password in an AMQP URL', text: `broker: amqp://worker:${FAKE.amqpPassword}@mq.internal/vhost`, secrets: [FAKE.amqpPassword], rule: 'url-password' },
  { name: 'an npm access token', text: `//registry.npmjs.org/:_authToken=${FAKE.npm}`, secrets: [FAKE.npm], rule: 'npm-token' },
  { name: 'a legacy npm token in .npmrc', text: `//registry.npmjs.org/:_authToken=${FAKE.npmLegacyUuid}\n`, secrets: [FAKE.npmLegacyUuid], rule: 'npm-token' },
  { name: 'a SendGrid API key', text: `mail with ${FAKE.sendgrid}`, secrets: [FAKE.sendgrid], rule: 'sendgrid-api-key' },
  { name: 'a Shopify access token', text: `SHOPIFY=${FAKE.shopify}`, secrets: [FAKE.shopify], rule: 'shopify-token' },
  { name: 'a Linear API key', text: `linear ${FAKE.linear}`, secrets: [FAKE.linear], rule: 'linear-api-key' },
  { name: 'a 1Password service-account token', text: `OP_SERVICE_ACCOUNT_TOKEN=${FAKE.onePassword}`, secrets: [FAKE.onePassword], rule: 'onepassword-token' },
  { name: 'a generic high-entropy api_key in code', text: `api_key = "${FAKE.genericApiKey}"`, secrets: [FAKE.genericApiKey], rule: 'generic-high-entropy' },
  { name: 'a generic token in YAML', text: `service:\n  service_token: ${FAKE.genericYamlToken}\n`, secrets: [FAKE.genericYamlToken], rule: 'generic-high-entropy' },
  { name: 'a hex client secret', text: `GITHUB_CLIENT_SECRET=${FAKE.clientSecretHex}`, secrets: [FAKE.clientSecretHex], rule: 'generic-high-entropy' },
  { name: 'a UUID-shaped API key', text: `HEROKU_API_KEY=${FAKE.herokuUuid}`, secrets: [FAKE.herokuUuid], rule: 'generic-high-entropy' },
  { name: 'a password in JSON', text: `{"user": "deploy", "password": "${FAKE.humanPassword}"}`, secrets: [FAKE.humanPassword], rule: 'generic-high-entropy' },
  { name: 'an API key passed as a CLI flag', text: `deploy --api-key=${FAKE.cliApiKey} --region eu`, secrets: [FAKE.cliApiKey], rule: 'generic-high-entropy' },
  { name: 'an access token in a query string', text: `GET https://api.example.invalid/v1/items?limit=10&access_token=${FAKE.queryToken}&x=1`, secrets: [FAKE.queryToken], rule: 'generic-high-entropy' },
  { name: 'an opaque bearer token', text: `curl -H "Authorization: Bearer ${FAKE.bearerOpaque}" https://api.example.invalid`, secrets: [FAKE.bearerOpaque], rule: 'authorization-header' },
  { name: 'a basic-auth header', text: `Authorization: Basic ${FAKE.basicHeader}`, secrets: [FAKE.basicHeader], rule: 'authorization-header' },
  // Redactor 1.4.0 (#14): prefixed formats from gitleaks' and secretlint's rule lists.
  ...NEW_FORMATS,
];

/** Text that looks secret-adjacent but is not: must come back unchanged, with no findings. */
export const TRAPS: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'sha256 digests', text: `digest ${fake('sha-a', 64, HEX)}\nsha256sum: ${fake('sha-b', 64, HEX)}  dist/app.tgz` },
  { name: 'sha256: pack hashes', text: `{"pack_hash": "sha256:${fake('pack', 64, HEX)}", "role_pack_hash": "sha256:${fake('role', 64, HEX)}"}` },
  { name: 'git SHAs', text: `fixed in commit ${fake('git-a', 40, HEX)}\n"sha": "${fake('git-b', 40, HEX)}"\nHEAD is now at ${fake('git-c', 40, HEX)}` },
  { name: 'short git SHAs', text: `${fake('s1', 7, HEX)} README: ladder triggers\n${fake('s2', 7, HEX)} ctxpack gc\nsee ${fake('s3', 12, HEX)} and ${fake('s4', 10, HEX)}` },
  { name: 'UUIDs', text: `run ${fake('u1', 8, HEX)}-${fake('u2', 4, HEX)}-7${fake('u3', 3, HEX)}-b${fake('u4', 3, HEX)}-${fake('u5', 12, HEX)}\nrequest_id: ${fake('u6', 8, HEX)}-${fake('u7', 4, HEX)}-4${fake('u8', 3, HEX)}-a${fake('u9', 3, HEX)}-${fake('u10', 12, HEX)}` },
  { name: 'a package-lock integrity hash', text: `"resolved": "https://registry.npmjs.org/zod/-/zod-4.6.7.tgz",\n"integrity": "sha512-${fake('integrity', 86, BASE64)}=="` },
  { name: 'long identifiers in code', text: 'const apiKeyHeaderName = getTokenFromEnvironmentVariable(process.env.API_TOKEN);\nthis.accessToken = await this.tokenProvider.getAccessToken();\nconst client = createSecretManagerServiceClientWithDefaultCredentials();\nexport function verifyRefreshTokenSignatureAgainstPublicKeySet() {}' },
  { name: 'assignments whose value is code', text: 'password = userInput;\nconst token = req.headers.authorization;\napi_key: process.env.OPENAI_API_KEY\nsecret: settings.SECRET_KEY,\ntoken: string;\npassword = os.getenv("DB_PASSWORD")\nsecret = randomBytes(32).toString("hex")' },
  { name: 'base64 of lorem text', text: `payload: ${b64('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.')}\n${b64('The quick brown fox jumps over the lazy dog again and again.')}` },
  { name: 'low-entropy base64 under a secret name', text: `token: "${b64('A'.repeat(30))}"\nsecret: ${b64('abcabcabcabcabcabcabcabc')}` },
  { name: 'placeholder passwords', text: 'password=changeme\npassword: <your-password>\nDB_PASSWORD=${DB_PASSWORD}\napi_key: "your-api-key-here"\ntoken = "xxxxxxxxxxxxxxxxxxxxxxxx"\nsecret: "{{ secrets.DEPLOY_KEY }}"\n_authToken=${NPM_TOKEN}\nclient_secret = "********"' },
  { name: 'URLs with placeholder passwords', text: 'postgres://user:password@localhost/db\nhttps://admin:${ADMIN_PASS}@host.invalid/\nmongodb://user:<password>@cluster.invalid/' },
  { name: 'env-var names as values', text: 'api_key_env: OPENAI_API_KEY\n"api_key_env": "ANTHROPIC_API_KEY"\nTOKEN_VAR=GITHUB_TOKEN' },
  { name: 'model token settings', text: 'max_tokens: 4096\ntokenizer: o200k_base\npayload_tokens: 12000\nstrict_rules_tokens: 800\n"input_tokens": 1523' },
  { name: 'hash-named secret fields', text: `token_sha256: ${fake('tok-sha', 64, HEX)}\npassword_hash: $2b$12$${fake('bcrypt', 53, `${ALNUM}./`)}\nsecret_name: prod-db-credentials-v2\napi_key_id: ${fake('key-id', 20, UPPER_DIGITS)}` },
  { name: 'ordinary prose about keys', text: 'Rotate the API key every 90 days; never paste a token into chat.\nBearer tokens are passed in the Authorization header.\nBasic authentication is disabled. xoxo-see-you-soon' },
  { name: 'URLs without a password', text: 'https://user@example.invalid/path and https://example.invalid:8443/x\nssh://git@github.com:22/org/repo.git\ngit@github.com:org/repo.git\nhttp://[::1]:8080/health' },
  { name: 'an AWS account id', text: 'aws_account_id = 123456789012\narn:aws:iam::123456789012:role/deploy' },
  { name: 'a Stripe publishable key (public by design)', text: `Stripe('${FAKE.stripePublishable}')` },
  { name: 'a redaction placeholder', text: 'token=[REDACTED:github-token]\npostgres://app:[REDACTED:url-password]@db/app\n[REDACTED:private-key]' },
  { name: 'pagination tokens', text: `NextContinuationToken: "${b64(fake('cursor', 40))}"\n"nextPageToken": "${fake('page', 48, BASE64URL)}"\nsync_token=${fake('sync', 32)}` },
  { name: 'header names as values', text: 'export const CREDENTIAL_QUERY_PARAM = "X-Amz-Credential";\nconst SESSION_TOKEN_HEADER = "X-Amz-Security-Token";\ntoken_header: X-Auth-Token' },
  { name: 'credentials on documentation hosts', text: "const myURL = new URL('https://abc:xyz@example.com');\n// Prints https://user:s3cretpw@www.example.org/\nuri://foo:bar@example.com:1/path" },
  { name: 'prose that mentions tokens', text: 'A collection of all token providers.\nThe token is used for task-token completion.\nBasic setup: run the installer.' },
  { name: 'code that builds a PEM', text: `const pem = \`${pem('')}\\n\${base64Body}\\n${pemEnd('')}\`;\n// ${pem('RSA ')} ... ${pemEnd('RSA ')}` },
  { name: "AWS's documentation example keys", text: `AccessKeyId: "${'ASIA'}IOSFODNN7EXAMPLE"\naws_secret_access_key = ${['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/')}` },
  { name: 'code that reads a secret-named member', text: 'resolve({ token: activation.operationToken!, result: completePromise });\nthis._passThroughOptions = !!passThrough;\nexports.createO200KSpecialTokenMap = createO200KSpecialTokenMap;\no.credentials=e.credentials==="use-credentials"?"include":e.credentials;' },
  { name: 'translated messages under token-named keys', text: '"The_parser_expected_to_find_a_1_to_match_the_0_token_here_1007": "解析器应在这里找到与“{0}”标记匹配的“{1}”。"' },
  { name: 'a PEM certificate (public)', text: `-----BEGIN CERTIFICATE-----\n${pemBody('cert', 3)}\n-----END CERTIFICATE-----` },
];
