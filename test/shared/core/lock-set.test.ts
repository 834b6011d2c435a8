import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { lockDecision, matchesAny } from '../../../shared/core/lock-set.js';

const lockSet = {
  write: ['src/**', 'test/**', 'docs/notes/*.md'],
  read: ['**'],
  deny: ['**/.env', 'src/secrets/**', '.ctxpack/roles/**'],
};

describe('lockDecision', () => {
  it.each([
    ['src/secrets/key.pem', 'write', false, 'deny'],
    ['src/secrets/key.pem', 'read', false, 'deny'],
    ['.env', 'read', false, 'deny'],
    ['src/deep/.env', 'write', false, 'deny'],
    ['.ctxpack/roles/coder.yaml', 'write', false, 'deny'],
    ['src/app.ts', 'write', true, 'write'],
    ['src/app.ts', 'read', true, 'write'],
    ['src/.hidden/x.ts', 'write', true, 'write'],
    ['docs/notes/wp-7.md', 'write', true, 'write'],
    ['docs/notes/sub/wp-8.md', 'write', false, 'read'],
    ['README.md', 'read', true, 'read'],
    ['README.md', 'write', false, 'read'],
  ] as const)('%s for %s: allowed=%s by %s', (path, access, allowed, rule) => {
    expect(lockDecision(lockSet, path, access)).toEqual({ allowed, rule });
  });

  it('deny beats write beats read even when all three match', () => {
    const all = { write: ['a/**'], read: ['a/**'], deny: ['a/**'] };
    expect(lockDecision(all, 'a/b', 'read')).toEqual({ allowed: false, rule: 'deny' });
    expect(lockDecision({ ...all, deny: [] }, 'a/b', 'read')).toEqual({ allowed: true, rule: 'write' });
    expect(lockDecision({ ...all, deny: [], write: [] }, 'a/b', 'read')).toEqual({ allowed: true, rule: 'read' });
  });

  it('says not-in-lock-set when no list matches', () => {
    const narrow = { write: ['src/**'], read: ['docs/**'], deny: [] };
    expect(lockDecision(narrow, 'package.json', 'read')).toEqual({ allowed: false, rule: 'not-in-lock-set' });
    expect(lockDecision(narrow, 'package.json', 'write')).toEqual({ allowed: false, rule: 'not-in-lock-set' });
  });

  it('never opens a path that breaks the path rules, whatever the globs say', () => {
    const open = { write: ['**', '../**', '/**'], read: ['**'], deny: [] };
    for (const bad of ['../outside', '/etc/passwd', 'src/../../x', 'C:/x', 'a\\b', 'src//a']) {
      expect(lockDecision(open, bad, 'write')).toEqual({ allowed: false, rule: 'not-in-lock-set' });
    }
  });

  it('matches POSIX-style on every platform: a backslash is not a separator', () => {
    expect(matchesAny('src/a.ts', ['src/*.ts'])).toBe(true);
    expect(matchesAny('src\\a.ts', ['src/*.ts'])).toBe(false);
    expect(matchesAny('.github/workflows/ci.yml', ['**/*.yml'])).toBe(true);
    expect(matchesAny('src/a.ts', [])).toBe(false);
  });

});

describe('shared/core/paths.ts and lock-set.ts are pure', () => {
  it("bundles into workflow code with Temporal's bundler (which refuses Node built-ins)", async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./pure-workflow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(bundle.code).toContain('pathRulesWorkflow');
    expect(bundle.code).not.toMatch(/require\(["']node:/);
  }, 120_000);
});
