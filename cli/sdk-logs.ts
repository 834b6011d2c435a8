/**
 * How loud the Temporal SDK is inside `ctxpack`: warnings and errors only, unless `--verbose`.
 *
 * The SDK's default logger prints INFO lines (worker state changes, bundling) that would bury a
 * command's own output. The worker package is imported only by the commands that start a Runtime,
 * so commands that do not (`--help`, `assemble`) never pay for loading it.
 */
let verbose = false;
let installed = false;

/** Set once by the entry point from the global `--verbose` flag. */
export function setVerbose(value: boolean): void {
  verbose = value;
}

export function isVerbose(): boolean {
  return verbose;
}

/** Installs the SDK Runtime with the chosen level (`quietLevel` unless `--verbose`); idempotent. */
export async function installSdkLogger(quietLevel: 'WARN' | 'ERROR' = 'WARN'): Promise<void> {
  if (installed) return;
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  Runtime.install({ logger: new DefaultLogger(verbose ? 'INFO' : quietLevel) });
  installed = true;
}

/** A logger for `bundleWorkflowCode`: silent unless `--verbose`, warnings and errors always. */
export const bundlerLogger = {
  log: (level: string, message: string) => {
    if (verbose || level === 'WARN' || level === 'ERROR') process.stderr.write(`${message}\n`);
  },
  trace: (message: string) => (verbose ? process.stderr.write(`${message}\n`) : undefined),
  debug: (message: string) => (verbose ? process.stderr.write(`${message}\n`) : undefined),
  info: (message: string) => (verbose ? process.stderr.write(`${message}\n`) : undefined),
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};
