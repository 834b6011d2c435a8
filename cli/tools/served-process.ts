/**
 * A local server run as a child process (llama-server here, MinIO in the tests): its output kept
 * for error messages, a wait until it answers its health URL, and a stop that cannot be missed (the
 * child is killed if this process exits first).
 */
import type { ChildProcess } from 'node:child_process';

export interface ServedProcess {
  /** The last `keepChars` characters the child wrote to stdout and stderr. */
  output(): string;
  /**
   * Resolves once `url` answers 200; rejects with `failure(...)` when the child exits first or
   * `timeoutMs` passes.
   */
  ready(url: string, timeoutMs: number, failure: (why: 'exited' | 'timeout', detail: string) => Error): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; idempotent. */
  stop(): Promise<void>;
}

export function serveProcess(child: ChildProcess, options: { keepChars: number; afterStop?: () => Promise<void> }): ServedProcess {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-options.keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stopped: Promise<void> | undefined;
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  return {
    output: () => output,
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        await terminate(child);
        await options.afterStop?.();
      })();
      return stopped;
    },
    async ready(url, timeoutMs, failure) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited) throw failure('exited', `exit ${child.exitCode ?? child.signalCode}: ${lastLines(output)}`);
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          if (res.status === 200) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw failure('timeout', lastLines(output));
    },
  };
}

/** The last lines of a process's output, on one line, for an error message. */
export function lastLines(text: string, count = 6): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
