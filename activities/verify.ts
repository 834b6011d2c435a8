/**
 * Runs a work unit's verification contract. The commands come from the stored, hash-checked pack,
 * never from the workflow input or model output, so a model cannot change how it is judged. Each
 * runs without a shell, inside the workspace, with its timeout and a minimal environment.
 */
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { loadWorkUnitPack } from '../shared/engine/pack-io.js';
import { rewriteHostPaths } from '../shared/core/paths.js';
import { redactSecrets } from '../shared/engine/redact/index.js';
import type { ResolvedWorkspace } from './config.js';
import { atBoundary } from './failures.js';
import type { VerifyInput, VerifyResult } from './types.js';

type Resolve = (id: string) => Promise<ResolvedWorkspace>;

const FEEDBACK_LINES = 30;

interface CommandOutcome {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
}

function run(argv: readonly string[], cwd: string, timeoutSeconds: number): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const [program, ...args] = argv as [string, ...string[]];
    execFile(
      program,
      args,
      {
        cwd,
        timeout: timeoutSeconds * 1000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        // Only what a build needs: no credentials from the worker's environment reach the command.
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: cwd, LANG: 'C.UTF-8', CI: '1' },
      },
      (error, stdout, stderr) => {
        const timedOut = error !== null && (error as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ exitCode: code, timedOut, output: `${stdout}${stderr}` });
      },
    );
  });
}

export function createVerifyActivities(resolve: Resolve) {
  return {
    async verifyMicroTask(input: VerifyInput): Promise<VerifyResult> {
      const { workspace, store } = await resolve(input.workspace_id);
      return atBoundary(async () => {
        const pack = await loadWorkUnitPack(store, input.work_unit_pack_hash);
        const commands: { argv0: string; exit_code: number | null; timed_out: boolean }[] = [];
        for (const [index, command] of pack.verification.commands.entries()) {
          const cwd =
            command.cwd === '.'
              ? workspace.root
              : await workspace.resolve(command.cwd, `verification.commands[${index}].cwd`);
          const outcome = await run(command.argv, cwd, command.timeout_seconds);
          commands.push({ argv0: command.argv[0] as string, exit_code: outcome.exitCode, timed_out: outcome.timedOut });
          if (outcome.exitCode !== 0) {
            const tail = outcome.output.trimEnd().split('\n').slice(-FEEDBACK_LINES).join('\n');
            const redacted = await redactSecrets(tail);
            const feedback = rewriteHostPaths(redacted.text, { workspaceRoot: workspace.root, home: homedir() }).text;
            return { passed: false, commands, feedback: `${command.argv.join(' ')} ${outcome.timedOut ? 'timed out' : `exited ${outcome.exitCode}`}\n${feedback}` };
          }
        }
        return { passed: true, commands };
      });
    },
  };
}
