/** How every `ctxpack` command prints: human text by default, one stable JSON document with `--json`. */
import { CtxPackError } from '../shared/core/errors.js';
import { ExitCode, failureSpec } from '../shared/core/failures.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows of `label  value`, labels padded so values line up. */
export function printTable(rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
}

const useColour = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
export const style = {
  ok: (text: string) => (useColour ? `\x1b[32m${text}\x1b[0m` : text),
  bad: (text: string) => (useColour ? `\x1b[31m${text}\x1b[0m` : text),
  dim: (text: string) => (useColour ? `\x1b[2m${text}\x1b[0m` : text),
};

/** Which exit code an error maps to: the failure catalogue's exit class; anything else is a bug. */
export function exitCodeFor(err: unknown): ExitCode {
  const spec = err instanceof CtxPackError ? failureSpec(err.code) : undefined;
  return spec ? ExitCode[spec.exit] : ExitCode.Internal;
}

/** Prints an error as `ctxpack: <cause>` and `  fix: <fix>` on stderr and returns its exit code. */
export function reportError(err: unknown): ExitCode {
  const code = exitCodeFor(err);
  if (err instanceof CtxPackError) {
    process.stderr.write(`ctxpack: ${err.message}\n  fix: ${err.fix}\n`);
  } else {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`ctxpack: unexpected error (a bug; please report it)\n${text}\n`);
  }
  return code;
}
