/**
 * Secret redaction: every service in the synthetic corpus (corpus.ts, all fake) is redacted under
 * its rule, the traps packs are full of pass untouched, and the guarantees packs rely on hold:
 * determinism, idempotence, reports that never echo a secret, and speed on large input.
 */
import { readFile } from 'node:fs/promises';
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { assignmentSpans, authorizationSpans } from '../../../../shared/core/secrets/assignments.js';
import { hasRandomEntropy, shannonEntropy } from '../../../../shared/core/secrets/entropy.js';
import {
  REDACTOR_ID,
  REDACTOR_VERSION,
  RULE_IDS,
  redactionPlaceholder,
  redactSecrets,
  type RedactionResult,
} from '../../../../shared/engine/redact/index.js';
import { privateKeySpans } from '../../../../shared/core/secrets/private-key.js';
import { SECRETLINT_MAPPINGS, secretlintSpans } from '../../../../shared/engine/redact/secretlint.js';
import { serviceSpans } from '../../../../shared/core/secrets/service-patterns.js';
import { resolveSpans, type Span } from '../../../../shared/core/secrets/spans.js';
import { ALNUM, FAKE, fake, POSITIVES, TRAPS } from './corpus.js';

/** Every way a report could leak: the whole secret, or any 8-character piece of it. */
function expectNoEcho(result: RedactionResult, secrets: readonly string[]): void {
  const report = JSON.stringify(result.findings);
  for (const secret of secrets) {
    expect(result.text).not.toContain(secret);
    for (let i = 0; i + 8 <= secret.length; i += 4) expect(report).not.toContain(secret.slice(i, i + 8));
  }
  for (const finding of result.findings) {
    expect(Object.keys(finding).sort()).toEqual(['count', 'rule']);
    expect(RULE_IDS).toContain(finding.rule);
  }
}

describe('redacts every service in the corpus', () => {
  for (const { name, text, secrets, rule } of POSITIVES) {
    it(`redacts ${name}`, async () => {
      const result = await redactSecrets(text);
      expectNoEcho(result, secrets);
      expect(result.text).toContain(redactionPlaceholder(rule));
      expect(result.findings).toEqual([{ rule, count: 1 }]);
    });
  }

  it('has 100% recall over the corpus, and says which detector found each case', async () => {
    const rows: string[] = [];
    let found = 0;
    for (const { name, text, secrets } of POSITIVES) {
      const result = await redactSecrets(text);
      if (secrets.every((secret) => !result.text.includes(secret))) found += 1;
      const byPreset = (await secretlintSpans(text)).length > 0;
      const byOwn = [...serviceSpans(text), ...privateKeySpans(text), ...assignmentSpans(text), ...authorizationSpans(text)].length > 0;
      rows.push(`${byPreset ? 'preset' : '      '} ${byOwn ? 'own' : '   '}  ${name}`);
    }
    process.stdout.write(`redaction recall: ${found}/${POSITIVES.length}\n${rows.join('\n')}\n`);
    expect(found / POSITIVES.length).toBe(1);
  });

  it('relies on the secretlint preset for the services only it knows', async () => {
    for (const secret of [FAKE.sendgrid, FAKE.shopify, FAKE.linear, FAKE.onePassword]) {
      const text = `value ${secret} end`;
      expect(serviceSpans(text)).toEqual([]);
      expect((await secretlintSpans(text)).length).toBe(1);
    }
  });

  it('keeps the key name when secretlint reports an AWS secret key from the name onwards', async () => {
    // secretlint's range for this finding starts at `aws_secret_access_key` and is 40 long.
    const text = `aws_secret_access_key = ${FAKE.awsSecret}`;
    const [reported] = await secretlintSpans(text);
    expect(reported && text.slice(reported.start, reported.end)).toBe(FAKE.awsSecret);
    expect((await redactSecrets(text)).text).toBe('aws_secret_access_key = [REDACTED:aws-secret-access-key]');
  });

  it('redacts only the password of a URL and keeps the host readable', async () => {
    const text = `postgres://app:${FAKE.dbPassword}@db.internal:5432/app`;
    expect((await redactSecrets(text)).text).toBe('postgres://app:[REDACTED:url-password]@db.internal:5432/app');
  });

  it('keeps the scheme word of an Authorization header', async () => {
    const result = await redactSecrets(`Authorization: Bearer ${FAKE.bearerOpaque}`);
    expect(result.text).toBe('Authorization: Bearer [REDACTED:authorization-header]');
  });

  it('is not silenced by a secretlint-disable comment in the content', async () => {
    const text = `<!-- secretlint-disable -->\n${FAKE.sendgrid}\n<!-- secretlint-enable -->`;
    const result = await redactSecrets(text);
    expect(result.text).not.toContain(FAKE.sendgrid);
    expect(result.findings).toEqual([{ rule: 'sendgrid-api-key', count: 1 }]);
  });
});

describe('leaves what packs are full of alone', () => {
  for (const { name, text } of TRAPS) {
    it(`leaves ${name} alone`, async () => {
      const result = await redactSecrets(text);
      expect(result.text).toBe(text);
      expect(result.findings).toEqual([]);
    });
  }

  it('leaves package-lock.json (integrity hashes, tarball URLs) alone', async () => {
    const lock = await readFile(new URL('../../../../package-lock.json', import.meta.url), 'utf8');
    const result = await redactSecrets(lock);
    expect(result.findings).toEqual([]);
    expect(result.text).toBe(lock);
  });

  it("leaves the redactor's own source alone", async () => {
    for (const file of ['core/secrets/assignments', 'core/secrets/benign-values', 'core/secrets/private-key', 'engine/redact/secretlint', 'core/secrets/service-patterns', 'core/secrets/spans']) {
      const source = await readFile(new URL(`../../../../shared/${file}.ts`, import.meta.url), 'utf8');
      expect((await redactSecrets(source)).findings, file).toEqual([]);
    }
  });
});

describe('guarantees', () => {
  const everything = POSITIVES.map((c) => c.text).join('\n\n');
  const allSecrets = POSITIVES.flatMap((c) => c.secrets);

  it('is deterministic: the same input twice gives identical output', async () => {
    const first = await redactSecrets(everything);
    const second = await redactSecrets(everything);
    expect(second).toEqual(first);
  });

  it('is idempotent: redacting redacted text changes nothing and reports nothing', async () => {
    const once = await redactSecrets(everything);
    const twice = await redactSecrets(once.text);
    expect(twice.text).toBe(once.text);
    expect(twice.findings).toEqual([]);
  });

  it('redacts several secrets in one text and counts them per rule, sorted by rule id', async () => {
    const text = `${FAKE.ghp}\n${FAKE.ghs}\nmaps ${FAKE.google}\n${FAKE.gitlab} and ${FAKE.ghr}`;
    const result = await redactSecrets(text);
    expect(result.findings).toEqual([
      { rule: 'github-token', count: 3 },
      { rule: 'gitlab-token', count: 1 },
      { rule: 'google-api-key', count: 1 },
    ]);
    expectNoEcho(result, [FAKE.ghp, FAKE.ghs, FAKE.google, FAKE.gitlab, FAKE.ghr]);
  });

  it('never echoes a secret in its report', async () => {
    const result = await redactSecrets(everything);
    expectNoEcho(result, allSecrets);
    const total = result.findings.reduce((sum, f) => sum + f.count, 0);
    expect(total).toBe(POSITIVES.length);
  });

  it('writes placeholders that name the rule and nothing else', () => {
    for (const rule of RULE_IDS) expect(redactionPlaceholder(rule)).toBe(`[REDACTED:${rule}]`);
    expect(() => redactionPlaceholder('Not A Rule]')).toThrow(RangeError);
  });

  it('has stable kebab-case rule ids and identifies itself', () => {
    expect([...RULE_IDS].sort()).toEqual(RULE_IDS);
    for (const rule of RULE_IDS) expect(rule).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(REDACTOR_ID).toBe('ctxpack-redact');
    expect(REDACTOR_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('maps every message the installed secretlint preset can report', () => {
    for (const rule of presetRules) {
      const mapped = SECRETLINT_MAPPINGS[rule.meta.id];
      expect(mapped, rule.meta.id).toBeDefined();
      expect(Object.keys(mapped ?? {}).sort(), rule.meta.id).toEqual(Object.keys(rule.messages).sort());
    }
  });

  it('cuts a planted placeholder out of a secret instead of skipping the secret', async () => {
    const body = fake('planted', 64 * 3);
    const [begin, end] = ['BEGIN', 'END'].map((word) => `-----${word} PRIVATE KEY-----`);
    const text = `${begin}\n[REDACTED:jwt]\n${body}\n${end}`;
    const result = await redactSecrets(text);
    expect(result.text).not.toContain(body);
    expect((await redactSecrets(result.text)).text).toBe(result.text);
  });
});

describe('overlapping matches', () => {
  const text = 'x'.repeat(100);
  const shuffle = <T>(items: readonly T[], seed: number): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };

  it('covers the union of overlapping matches so no tail is left behind', () => {
    const spans: Span[] = [
      { start: 10, end: 30, rule: 'aws-secret-access-key' },
      { start: 20, end: 50, rule: 'generic-high-entropy' },
    ];
    expect(resolveSpans(text, spans)).toEqual([{ start: 10, end: 50, rule: 'aws-secret-access-key' }]);
  });

  it('names a merged match for the most specific rule, then the longest', () => {
    expect(
      resolveSpans(text, [
        { start: 0, end: 40, rule: 'generic-high-entropy' },
        { start: 5, end: 20, rule: 'url-password' },
        { start: 5, end: 25, rule: 'github-token' },
        { start: 6, end: 26, rule: 'gitlab-token' },
      ]),
    ).toEqual([{ start: 0, end: 40, rule: 'github-token' }]);
  });

  it('gives the same answer whatever order the detectors reported in', () => {
    const spans: Span[] = [
      { start: 0, end: 10, rule: 'jwt' },
      { start: 0, end: 10, rule: 'authorization-header' },
      { start: 12, end: 20, rule: 'npm-token' },
      { start: 15, end: 30, rule: 'generic-high-entropy' },
      { start: 30, end: 40, rule: 'slack-token' },
      { start: 30, end: 40, rule: 'stripe-key' },
    ];
    const expected = resolveSpans(text, spans);
    expect(expected).toEqual([
      { start: 0, end: 10, rule: 'jwt' },
      { start: 12, end: 30, rule: 'npm-token' },
      { start: 30, end: 40, rule: 'slack-token' },
    ]);
    for (let seed = 1; seed <= 20; seed += 1) expect(resolveSpans(text, shuffle(spans, seed))).toEqual(expected);
  });

  it('names a service token in a secret-named assignment for the service', async () => {
    const result = await redactSecrets(`token=${FAKE.ghp}`);
    expect(result).toEqual({ text: 'token=[REDACTED:github-token]', findings: [{ rule: 'github-token', count: 1 }] });
  });
});

describe('entropy check', () => {
  it('accepts random tokens and rejects repetitive values', () => {
    expect(hasRandomEntropy(fake('entropy', 32))).toBe(true);
    expect(hasRandomEntropy(fake('entropy-hex', 40, '0123456789abcdef'))).toBe(true);
    expect(hasRandomEntropy('aaaaaaaabbbbbbbb12345678')).toBe(false);
    expect(hasRandomEntropy('QUFBQUFBQUFBQUFBQUFBQUFBQUFB')).toBe(false);
    expect(shannonEntropy('abab')).toBe(1);
  });

  it('keeps at least 99% of random 16-character tokens', () => {
    let kept = 0;
    for (let i = 0; i < 1000; i += 1) if (hasRandomEntropy(fake(`recall-${i}`, 16, ALNUM))) kept += 1;
    expect(kept).toBeGreaterThanOrEqual(990);
  });
});

describe('large input', () => {
  it('redacts a 512 KiB mixed text quickly and exactly', async () => {
    const chunk = [
      `commit ${fake('big-sha', 40, '0123456789abcdef')} sha256:${fake('big-digest', 64, '0123456789abcdef')}`,
      'const apiKeyHeaderName = getTokenFromEnvironmentVariable(process.env.API_TOKEN);',
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit: https://example.invalid/a?b=c&d=e',
      `"integrity": "sha512-${fake('big-int', 86)}=="`,
      '',
    ].join('\n');
    const filler = chunk.repeat(Math.ceil((256 * 1024) / chunk.length));
    const secrets = [FAKE.ghp, FAKE.openaiProject, FAKE.slackBot];
    const text = `${filler}${secrets[0]}\n${filler}api_key = "${FAKE.genericApiKey}"\n${secrets[1]} ${secrets[2]}\n`;
    expect(text.length).toBeGreaterThan(512 * 1024);
    const result = await redactSecrets(text);
    expect(result.findings).toEqual([
      { rule: 'generic-high-entropy', count: 1 },
      { rule: 'github-token', count: 1 },
      { rule: 'openai-api-key', count: 1 },
      { rule: 'slack-token', count: 1 },
    ]);
    expectNoEcho(result, [...secrets, FAKE.genericApiKey]);
  });

  it('stays linear on inputs built to make regexes backtrack', async () => {
    const n = 200_000;
    const hostile = [
      `eyJ${'a'.repeat(n)}`,
      `https://${'a:'.repeat(n / 2)}`,
      `-----BEGIN PRIVATE KEY-----${'\nAAAA'.repeat(n / 5)}`,
      `${'token='.repeat(n / 6)}`,
      `${'a-'.repeat(n / 2)}`,
      `xoxb-${'1-'.repeat(n / 2)}`,
      `postgres://${'u'.repeat(n)}`,
      `${'a'.repeat(n)}:`,
    ];
    // Catastrophic backtracking on 200,000 characters would take minutes: the test's timeout catches
    // it. The result must still be the input (none of these is a secret) or a redaction of it.
    for (const text of hostile) {
      const result = await redactSecrets(text);
      expect(result.text.length, text.slice(0, 20)).toBeGreaterThan(0);
    }
  }, 60_000);
});
