/**
 * The redaction corpus: synthetic secrets for every service packs must never carry (built from
 * fragments, so the repository holds no contiguous real-looking token), and the traps packs are full
 * of (digests, git SHAs, UUIDs) that must pass untouched. Reports recall over the corpus.
 */
import { describe, expect, it } from 'vitest';
import { redactionPlaceholder, redactSecrets } from '../../shared/redact/index.js';

const j = (...parts: string[]) => parts.join('');
const RANDOM40 = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYz9Xk3mQp2T';

/** Puts the secret where the template says: `§`, else the word KEY. */
function fill(template: string, secret: string): string {
  return template.includes('§') ? template.replace('§', secret) : template.replace('KEY', secret);
}

/** [service, text with the secret in context (at § or KEY), the secret, expected rule] */
const POSITIVES: [string, string, string, string][] = [
  ['AWS access key id', 'aws_access_key_id = KEY', j('AKIA', 'Q3EXAMPLE7ZT4WXY'), 'aws-access-key-id'],
  ['AWS secret access key', 'aws_secret_access_key = KEY', RANDOM40, 'aws-secret-access-key'],
  ['GitHub classic token', 'git push https://x:KEY@github.invalid', j('ghp', '_', 'R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s12'), 'github-token'],
  ['GitHub OAuth token', 'token: KEY', j('gho', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'), 'github-token'],
  ['GitHub fine-grained token', 'GH_TOKEN=KEY', j('github_pat', '_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN'), 'github-fine-grained-token'],
  ['GitLab token', 'CI_JOB: KEY', j('glpat', '-', 'xY7kQ2mN9pR4sT6vW8zA'), 'gitlab-token'],
  ['Slack bot token', 'slack = "KEY"', j('xoxb', '-', '123456789012', '-', '1234567890123', '-', 'AbCdEfGhIjKlMnOpQrStUvWx'), 'slack-token'],
  ['Slack webhook', 'post to KEY', j('https://hooks.slack.com/services/', 'T0000000A/B0000000B/', 'XXXXabcdXXXXabcdXXXXabcd'), 'slack-webhook'],
  ['Stripe live key', 'stripe.key(KEY)', j('sk', '_live_', '51HxQ2eLkdIwHuXyZabcdefghij'), 'stripe-key'],
  ['Stripe restricted key', 'STRIPE=KEY', j('rk', '_live_', '51HxQ2eLkdIwHuXyZabcdefghij'), 'stripe-key'],
  ['OpenAI project key', 'OPENAI_API_KEY=§', j('sk-proj-', 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9o'), 'openai-api-key'],
  ['OpenAI legacy key', 'key: KEY', j('sk-', 'Ab3dEf6hIj9kLm2nOp5q', 'T3BlbkFJ', 'Rs8tUv1wXy4zAb7cDe0f'), 'openai-api-key'],
  ['Anthropic key', 'ANTHROPIC_API_KEY="§"', j('sk-ant-', 'api03-', 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-_ZyXwVuTsRq'), 'anthropic-api-key'],
  ['Google API key', 'maps?key=KEY', j('AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'), 'google-api-key'],
  ['npm token', '//registry.npmjs.org/:_authToken=KEY', j('npm', '_', 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c'), 'npm-token'],
  ['JWT', 'Authorization: Bearer KEY', j('eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'), 'jwt'],
  ['URL with a password', 'DATABASE_URL=postgres://app:KEY@db.internal:5432/app', 'S3cr3t-P4ssw0rd', 'url-password'],
  // Caught by the secretlint preset; the project's own rules have no SendGrid pattern.
  ['SendGrid key (via the detector library)', 'mail with KEY', j('SG', '.', 'ngeVfQFYQlKU0ufo8x5d1A', '.', 'TwL2iGABf9DHoTf09kqeF8tAmbihYzrnopKc-1s5crX'), 'sendgrid-api-key'],
  ['generic high-entropy assignment', 'api_key = "KEY"', 'q8Z3vN1xR7bT5mK2wP9cL4dF6', 'generic-high-entropy'],
  ['generic token in YAML', 'service_token: KEY', 'Xk29fPq7Lm3Zt8Rw1Vb6Nc4Yh', 'generic-high-entropy'],
];

const PRIVATE_KEY = j('-----BEGIN ', 'RSA PRIVATE KEY-----\n', 'MIIEowIBAAKCAQEAx3nZ0pQ1sL5tV2uW8yA4bC6dE9fG0hJ2kL3mN5pQ7rS9tU1v\n', 'wX3yZ5a7B9c1D3e5F7g9H1j3K5l7M9n1P3q5R7s9T1u3V5w7X9y1Z3a5B7c9D1e3\n', '-----END ', 'RSA PRIVATE KEY-----');

const TRAPS: [string, string][] = [
  ['a sha256: pack hash', 'pack sha256:61f9f61ffeb55d9a29f52352f5722cc42a9bf56130cdd7d3b1c2056e00dd61f7 bound'],
  ['a bare sha256 digest', 'digest 09999c372c9c3ed532deadea16ea9168dc0868e3c203866571a872e6ab6c9ceb'],
  ['a git SHA', 'fixed in commit 9a221b8c0b3e7f1d2a4c6e8f0a1b2c3d4e5f6a7b'],
  ['a short git SHA', 'see 40cad6f and aa28a10'],
  ['a UUID', 'run 01a210e2-baf7-71e5-b8a7-594f843f3edd and request 8b3f09dc-9453-593c-a1b2-c3d4e5f6a7b8'],
  ['an npm integrity hash', '"integrity": "sha512-Hn6aH1XqYbKvyfbTzYiNf3vFkfa7BcXZyNXKM6qBZ3iGa0cEDkGJsCcJ1wF5g8wFZ5NxQhGDz5Yf9TwrYxXvYg=="'],
  ['code identifiers', 'const apiKeyHeaderName = getTokenFromEnvironmentVariable(process.env.API_TOKEN);'],
  ['a placeholder password', 'password=changeme and token=<your-token> and secret=${SECRET_VALUE}'],
  ['an env reference', 'api_key: process.env.OPENAI_API_KEY'],
  ['a redaction placeholder', `token=${redactionPlaceholder('github-token')}`],
  ['base64 of prose', 'payload: TG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQsIGNvbnNlY3RldHVyIGFkaXBpc2Npbmc='],
  ['a URL without a password', 'https://user@example.invalid/path and https://example.invalid:8443/x'],
  ['ordinary prose about keys', 'Rotate the API key every 90 days; never paste a token into chat.'],
];

describe('secret redaction corpus', () => {
  for (const [service, template, secret, rule] of POSITIVES) {
    it(`redacts ${service}`, async () => {
      const text = fill(template, secret);
      const result = await redactSecrets(text);
      expect(result.text).not.toContain(secret);
      expect(result.text).toContain(redactionPlaceholder(rule));
      expect(result.findings).toEqual([{ rule, count: 1 }]);
    });
  }

  it('redacts a private key block as one finding', async () => {
    const result = await redactSecrets(`key:\n${PRIVATE_KEY}\nend`);
    expect(result.text).toBe(`key:\n${redactionPlaceholder('private-key')}\nend`);
    expect(result.findings).toEqual([{ rule: 'private-key', count: 1 }]);
  });

  it('has full recall over the corpus', async () => {
    let found = 0;
    for (const [, template, secret] of POSITIVES) {
      const result = await redactSecrets(fill(template, secret));
      if (!result.text.includes(secret)) found += 1;
    }
    const recall = found / POSITIVES.length;
    process.stdout.write(`redaction recall: ${found}/${POSITIVES.length}\n`);
    expect(recall).toBe(1);
  });

  for (const [trap, text] of TRAPS) {
    it(`leaves ${trap} alone`, async () => {
      const result = await redactSecrets(text);
      expect(result.text).toBe(text);
      expect(result.findings).toEqual([]);
    });
  }

  it('counts several secrets per rule and never echoes one in its report', async () => {
    const a = j('ghp', '_', 'R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s12');
    const b = j('ghs', '_', 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2');
    const c = j('AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q');
    const result = await redactSecrets(`${a}\n${b}\nmaps ${c}`);
    expect(result.findings).toEqual([
      { rule: 'github-token', count: 2 },
      { rule: 'google-api-key', count: 1 },
    ]);
    const report = JSON.stringify(result.findings);
    for (const secret of [a, b, c]) {
      expect(report).not.toContain(secret);
      expect(report).not.toContain(secret.slice(4, 12));
    }
  });

  it('is idempotent and deterministic', async () => {
    const text = POSITIVES.map(([, template, secret]) => fill(template, secret)).join('\n');
    const once = await redactSecrets(text);
    const again = await redactSecrets(once.text);
    expect(again.text).toBe(once.text);
    expect(again.findings).toEqual([]);
    expect((await redactSecrets(text)).text).toBe(once.text);
  });

  it('handles large input without pathological slowness', async () => {
    const filler = 'lorem ipsum dolor sit amet sha256:' + 'a'.repeat(64) + ' consectetur\n';
    const secret = j('glpat', '-', 'xY7kQ2mN9pR4sT6vW8zA');
    const text = `${filler.repeat(5000)}${secret}\n${filler.repeat(5000)}`;
    const started = performance.now();
    const result = await redactSecrets(text);
    const elapsed = performance.now() - started;
    expect(result.findings).toEqual([{ rule: 'gitlab-token', count: 1 }]);
    // A generous bound that only a catastrophic regex would break (about 1 MiB of input).
    expect(elapsed).toBeLessThan(10_000);
  });
});
