/** `ctxpack list`: governed jobs found through the plugin's search attributes. */
import type { Command } from 'commander';
import { shortHash } from '../../shared/engine/hash.js';
import { connect } from '../connect.js';
import { printJson } from '../output.js';

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Adds the options and action of `ctxpack list` to its (already named and described) command. */
export function registerList(command: Command): void {
  command
    .option('--role <role>')
    .option('--model <model>')
    .option('--provider <provider>')
    .option('--hash <hash>', 'pack hash (CtxPackHash)')
    .option('--cloud', 'only jobs currently on a cloud provider')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print one JSON array')
    .action(async (options: { role?: string; model?: string; provider?: string; hash?: string; cloud?: boolean; limit: string; json?: boolean }) => {
      const clauses = ["WorkflowType = 'governedJob'"];
      if (options.role) clauses.push(`CtxPackRole = ${quote(options.role)}`);
      if (options.model) clauses.push(`CtxPackModel = ${quote(options.model)}`);
      if (options.provider) clauses.push(`CtxPackProvider = ${quote(options.provider)}`);
      if (options.hash) clauses.push(`CtxPackHash = ${quote(options.hash)}`);
      if (options.cloud) clauses.push('CtxPackCloud = true');
      const target = await connect();
      try {
        const rows = [];
        for await (const execution of target.client.workflow.list({ query: clauses.join(' AND ') })) {
          const attrs = execution.searchAttributes;
          const first = (key: string) => String((attrs[key] as unknown[] | undefined)?.[0] ?? '-');
          rows.push({
            workflow_id: execution.workflowId,
            status: execution.status.name,
            role: first('CtxPackRole'),
            model: first('CtxPackModel'),
            provider: first('CtxPackProvider'),
            pack_hash: first('CtxPackHash'),
            cloud: first('CtxPackCloud') === 'true',
            started: execution.startTime.toISOString(),
          });
          if (rows.length >= Number(options.limit)) break;
        }
        if (options.json) {
          printJson(rows);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write('no governed jobs match\n');
          return;
        }
        const header = ['workflow', 'status', 'role', 'model@provider', 'pack', 'cloud'];
        const table = rows.map((r) => [r.workflow_id, r.status.toLowerCase(), r.role, `${r.model}@${r.provider}`, r.pack_hash === '-' ? '-' : shortHash(r.pack_hash), r.cloud ? 'yes' : 'no']);
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
        for (const row of [header, ...table]) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
      } finally {
        await target.close();
      }
    });
}
