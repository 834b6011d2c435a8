/**
 * Secret patterns by service. Rule ids are stable: they appear in hashed packs and reports.
 * Every pattern is linear-time (no nested quantifiers), so large inputs stay fast.
 */
export interface SecretRule {
  readonly id: string;
  readonly pattern: RegExp;
  /** Which capture group is the secret (the rest of the match is kept); 0 = the whole match. */
  readonly group?: number;
}

export const SECRET_RULES: readonly SecretRule[] = [
  { id: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{1,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  {
    id: 'aws-secret-access-key',
    pattern: /\b(aws_?secret_?access_?key|aws_?secret|secret_?access_?key)\b(["']?\s*[:=]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 3,
  },
  { id: 'github-token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g },
  { id: 'github-fine-grained-token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g },
  { id: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,64}\b/g },
  { id: 'slack-token', pattern: /\bxox[abprse]-[A-Za-z0-9-]{10,255}\b/g },
  { id: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,255}/g },
  { id: 'stripe-key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,255}\b/g },
  { id: 'anthropic-api-key', pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,255}/g },
  { id: 'openai-api-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?(?!ant-)[A-Za-z0-9_-]{20,255}T3BlbkFJ[A-Za-z0-9_-]{10,255}|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,255}|\bsk-[A-Za-z0-9]{48}\b/g },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { id: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  // scheme://user:password@host — only the password is secret; the rest stays readable.
  { id: 'url-password', pattern: /\b([a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@"'<>]{1,128}:)([^\s@/"'<>]{1,256})(@)/gi, group: 2 },
];

/**
 * Generic assignments (`api_key = ...`, `"token": "..."`, `PASSWORD: ...`): the value is redacted
 * when it looks random (entropy) rather than like a word, a placeholder or a reference.
 */
export const ASSIGNMENT =
  /\b([A-Za-z0-9_.-]{0,40}(?:api[_-]?key|apikey|secret|token|passwd|password|pwd|auth[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)[A-Za-z0-9_.-]{0,20})(["']?\s{0,4}[:=]\s{0,4}["']?)([^\s"'`,;(){}[\]]{8,512})/gi;
