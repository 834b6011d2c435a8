/**
 * A context-packs worker in its own process, so fault tests can SIGKILL it like a crashed host.
 * Started by `startWorkerProcess`; prints "ready" once polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const MAIN = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(options: {
  taskQueue: string;
  workspaceDir: string;
  address?: string;
  /** Hold every swapPacks activity until this file exists (to kill a worker mid-swap). */
  swapGate?: string;
}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address ?? inject('temporalAddress'),
      CTXPACK_TASK_QUEUE: options.taskQueue,
      CTXPACK_WORKSPACE_DIR: options.workspaceDir,
      CTXPACK_BUNDLE: inject('workflowBundlePath'),
      ...(options.swapGate ? { CTXPACK_SWAP_GATE: options.swapGate } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export { existsSync };
