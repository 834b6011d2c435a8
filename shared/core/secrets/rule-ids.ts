/**
 * The public vocabulary of redaction rules. These ids end up in hashed packs and reports, so they
 * never change meaning: the detectors behind them (secretlint's preset, the project's patterns)
 * are mapped onto them, and a library upgrade cannot rename one.
 */

/**
 * How sure a rule is about *what* it found, used to name a secret that several rules matched: a
 * service format beats a structural match (a password in a URL, an Authorization header), which
 * beats the entropy guess.
 */
export const Tier = { Service: 0, Structural: 1, Heuristic: 2 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

export const RULES = {
  'age-secret-key': Tier.Service,
  'anthropic-api-key': Tier.Service,
  'authorization-header': Tier.Structural,
  'aws-access-key-id': Tier.Service,
  'aws-secret-access-key': Tier.Service,
  'databricks-token': Tier.Service,
  'digitalocean-token': Tier.Service,
  'doppler-token': Tier.Service,
  'gcp-service-account-key': Tier.Service,
  'generic-high-entropy': Tier.Heuristic,
  'github-fine-grained-token': Tier.Service,
  'github-token': Tier.Service,
  'gitlab-token': Tier.Service,
  'google-api-key': Tier.Service,
  'grafana-token': Tier.Service,
  'hashicorp-vault-token': Tier.Service,
  'huggingface-token': Tier.Service,
  'google-oauth-client-secret': Tier.Service,
  jwt: Tier.Service,
  'linear-api-key': Tier.Service,
  'npm-token': Tier.Service,
  'onepassword-token': Tier.Service,
  'openai-api-key': Tier.Service,
  'postman-api-key': Tier.Service,
  'private-key': Tier.Service,
  'pulumi-token': Tier.Service,
  'pypi-token': Tier.Service,
  'rubygems-token': Tier.Service,
  'sendgrid-api-key': Tier.Service,
  'sentry-token': Tier.Service,
  'shopify-token': Tier.Service,
  'slack-token': Tier.Service,
  'slack-webhook': Tier.Service,
  'stripe-key': Tier.Service,
  // A secretlint finding this module has no mapping for yet: still redacted, under a neutral name.
  'unclassified-secret': Tier.Structural,
  'url-password': Tier.Structural,
} as const satisfies Record<string, Tier>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS: readonly RuleId[] = (Object.keys(RULES) as RuleId[]).sort();

export function ruleTier(rule: RuleId): Tier {
  return RULES[rule];
}
