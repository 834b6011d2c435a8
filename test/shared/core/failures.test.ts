/**
 * The failure catalogue is the one list: every failure type the source raises is in it, every error
 * class's code is in it, and what is derived from it (README table, exit codes, retry policy) agrees.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../cli/output.js';
import * as errors from '../../../shared/core/errors.js';
import { ExitCode, FAILURES, failureSpec, failureTable, NON_RETRYABLE_TYPES } from '../../../shared/core/failures.js';
import { REPO, shippedModules } from '../../architecture/import-graph.js';
import { readmeFailureTable } from '../../support/failure-table.js';

/** Failure types raised in shipped code: `ApplicationFailure.create({ type })`, `.nonRetryable(msg, type)`, `refusal(type, ...)`. */
function raisedTypes(): { file: string; type: string }[] {
  const found: { file: string; type: string }[] = [];
  for (const { file } of shippedModules()) {
    const source = ts.createSourceFile(file, readFileSync(path.join(REPO, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const literal = (node: ts.Node | undefined): string | undefined => {
      if (!node) return undefined;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
      // `Provider:${kind}`: a family, checked by its prefix
      if (ts.isTemplateExpression(node)) return `${node.head.text}*`;
      return undefined;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(source);
        let type: string | undefined;
        if (/ApplicationFailure\.(nonRetryable|retryable)$/.test(callee)) type = literal(node.arguments[1]);
        if (callee === 'refusal') type = literal(node.arguments[0]);
        if (/ApplicationFailure\.create$/.test(callee)) {
          const options = node.arguments[0];
          if (options && ts.isObjectLiteralExpression(options)) {
            const prop = options.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(source) === 'type');
            if (prop && ts.isPropertyAssignment(prop)) type = literal(prop.initializer) ?? (prop.initializer.getText(source) === 'err.code' ? undefined : `(computed: ${prop.initializer.getText(source)})`);
          }
        }
        if (type !== undefined) found.push({ file, type });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('the failure catalogue', () => {
  it('has one entry per code, each with a meaning and a fix', () => {
    const codes = FAILURES.map((f) => f.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const f of FAILURES) {
      expect(f.meaning.length, f.code).toBeGreaterThan(10);
      expect(f.fix.length, f.code).toBeGreaterThan(10);
    }
  });

  it('lists every failure type the shipped code raises', () => {
    const raised = raisedTypes();
    // The scan must see the known raisers, or it proves nothing.
    expect(raised.map((r) => r.type)).toEqual(expect.arrayContaining(['RT-ROLE-001', 'RT-SWAP-001', 'CloudConsentMissing', 'WorkspaceUnknown', 'ProviderNotConfigured', 'MicroTaskExhausted', 'SwapRefused', 'Provider:*']));
    const unknown = raised.filter(({ type }) =>
      type.endsWith('*') ? !FAILURES.some((f) => f.code.startsWith(type.slice(0, -1))) : failureSpec(type) === undefined,
    );
    expect(unknown).toEqual([]);
  });

  it("lists every error class's code, and each class is exported", () => {
    type ErrorClass = new (message: string, fix: string, looked: string[]) => errors.CtxPackError;
    const classes = (Object.entries(errors) as [string, unknown][])
      .filter(([, value]) => typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof errors.CtxPackError)
      .map(([name, value]) => [name, value as ErrorClass] as const);
    expect(classes.length).toBeGreaterThan(15);
    for (const [name, Class] of classes) {
      const err = new Class('m', 'f', []);
      expect(err.code, name).toBe(name);
      expect(failureSpec(err.code)?.origin, name).toBe('error');
    }
    const classNames = classes.map(([name]) => name);
    expect(FAILURES.filter((f) => f.origin === 'error').map((f) => f.code).sort()).toEqual(classNames.sort());
    expect(errors.ERROR_CODES).toEqual(FAILURES.map((f) => f.code));
  });

  it('gives each error its exit code through the CLI', () => {
    expect(exitCodeFor(new errors.TemporalUnreachable('m', 'f'))).toBe(ExitCode.Unavailable);
    expect(exitCodeFor(new errors.PackStoreUnavailable('m', 'f'))).toBe(ExitCode.Unavailable);
    expect(exitCodeFor(new errors.SearchAttributesMissing('m', 'f'))).toBe(ExitCode.CheckFailed);
    expect(exitCodeFor(new errors.PackPathRejected('m', 'f'))).toBe(ExitCode.InputRejected);
    expect(exitCodeFor(new Error('a bug'))).toBe(ExitCode.Internal);
  });

  it('makes every failure non-retryable except those that carry their own flag', () => {
    expect(NON_RETRYABLE_TYPES).toContain('RT-ROLE-001');
    expect(NON_RETRYABLE_TYPES).toContain('PackSchemaInvalid');
    expect(NON_RETRYABLE_TYPES).not.toContain('PackStoreUnavailable');
    expect(NON_RETRYABLE_TYPES).not.toContain('Provider:rate-limited');
  });

  it('is what the README table says (regenerate with `npm run docs:failures`)', () => {
    expect(readmeFailureTable()).toBe(failureTable());
  });
});
