/** `ctxpack show`: the operator summary of a governed job. */
import type { Command } from 'commander';
import { connect, queryPackState, workflowUrl } from '../connect.js';
import { printJson } from '../output.js';
import { printSummary } from '../summary.js';

/** Adds the options and action of `ctxpack show` to its (already named and described) command. */
export function registerShow(command: Command): void {
  command
    .argument('<workflow-id>', 'the governed job')
    .option('--full', 'print full hashes')
    .option('--json', 'print one JSON object')
    .action(async (workflowId: string, options: { full?: boolean; json?: boolean }) => {
      const target = await connect();
      try {
        const handle = target.client.workflow.getHandle(workflowId);
        const [state, description] = await Promise.all([queryPackState(handle, workflowId), handle.describe()]);
        const url = workflowUrl(target, workflowId, description.runId);
        if (options.json) {
          printJson({ workflow_id: workflowId, run_id: description.runId, temporal_status: description.status.name, ui: url, ...state });
          return;
        }
        process.stdout.write(`${workflowId}  (${description.status.name.toLowerCase()})\n`);
        printSummary(state, options.full ? { full: true } : {});
        process.stdout.write(`\nweb ui  ${url}\n`);
      } finally {
        await target.close();
      }
    });
}
