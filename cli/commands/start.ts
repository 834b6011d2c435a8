/** `ctxpack start`: start a governed job and print its workflow id and Web UI link. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DEFAULT_TASK_QUEUE, workspaceTaskQueue } from '../../workers/worker.js';
import { governedJob } from '../../workflows/governed-job.js';
import { connect, workflowUrl } from '../connect.js';
import { printJson, printTable } from '../output.js';

interface StartOptions {
  workspace: string;
  workUnit: string;
  role: string;
  model: string;
  provider: string;
  cloudConsent?: boolean;
  taskQueue: string;
  workflowId?: string;
  workspaceQueue?: boolean | string;
  json?: boolean;
}

/** Adds the options and action of `ctxpack start` to its (already named and described) command. */
export function registerStart(command: Command): void {
  command
    .requiredOption('--workspace <id>', 'workspace id (the worker maps it to a directory)')
    .requiredOption('--work-unit <file>', 'work unit file, relative to the workspace')
    .requiredOption('--role <role>', 'starting role')
    .requiredOption('--model <model>', 'starting model')
    .requiredOption('--provider <provider>', 'provider of the model')
    .option('--cloud-consent', 'record consent to send projected context to cloud providers')
    .option('--task-queue <queue>', 'task queue of the context-packs worker', DEFAULT_TASK_QUEUE)
    .option('--workflow-id <id>', 'workflow id (default: ctxpack-<workspace>-<random>)')
    .option(
      '--workspace-queue [queue]',
      'route assembly, tool application and verification to the workers that have the workspace (default queue: <task-queue>.workspace.<id>)',
    )
    .option('--json', 'print one JSON object')
    .action(async (options: StartOptions) => {
      const target = await connect();
      try {
        const workflowId = options.workflowId ?? `ctxpack-${options.workspace}-${randomUUID().slice(0, 8)}`;
        const seat = { role: options.role, model: options.model, provider: options.provider };
        const workspaceQueue =
          options.workspaceQueue === undefined || options.workspaceQueue === false
            ? undefined
            : options.workspaceQueue === true
              ? workspaceTaskQueue(options.workspace, options.taskQueue)
              : options.workspaceQueue;
        const handle = await target.client.workflow.start(governedJob, {
          taskQueue: options.taskQueue,
          workflowId,
          args: [
            {
              workspace_id: options.workspace,
              work_unit: options.workUnit,
              seat,
              cloud_consent: options.cloudConsent ?? false,
              ...(workspaceQueue !== undefined ? { workspace_task_queue: workspaceQueue } : {}),
            },
          ],
          staticSummary: `governed job ${options.workUnit} in ${options.workspace}`,
          staticDetails: `started as **${seat.role}** on **${seat.model}** @ ${seat.provider}${options.cloudConsent ? ' · cloud consent recorded' : ''}`,
        });
        const url = workflowUrl(target, workflowId, handle.firstExecutionRunId);
        if (options.json) printJson({ workflow_id: workflowId, run_id: handle.firstExecutionRunId, ui: url });
        else printTable([['workflow', workflowId], ['web ui', url]]);
      } finally {
        await target.close();
      }
    });
}
