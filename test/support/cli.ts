/** Runs the real `ctxpack` entry point in a child process, as a user's shell would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CTXPACK_BIN = fileURLToPath(new URL('../../cli/ctxpack.mjs', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCtxpack(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CTXPACK_BIN, ...args],
      {
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
