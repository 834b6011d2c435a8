/**
 * `ctxpack setup`: make the namespace ready for governed jobs, on demand: the same search-attribute
 * check and registration a context-packs worker does at start (see workers/search-attributes.ts).
 */
import type { Command } from 'commander';
import { ensureSearchAttributes, type SearchAttributePolicy } from '../../workers/search-attributes.js';
import { connect } from '../connect.js';
import { printJson, printTable, style } from '../output.js';

/** Adds the options and action of `ctxpack setup` to its (already named and described) command. */
export function registerSetup(command: Command): void {
  command
    .option('--check', 'only verify; never change the namespace')
    .option('--json', 'print one JSON object')
    .action(async (options: { check?: boolean; json?: boolean }) => {
      const policy: SearchAttributePolicy = options.check ? 'check' : 'ensure';
      const target = await connect();
      try {
        const report = await ensureSearchAttributes(target.client.connection, target.namespace, policy);
        if (options.json) {
          printJson(report);
          return;
        }
        printTable([
          ['namespace', report.namespace],
          ['search attributes', report.added.length > 0 ? `${style.ok('added')} ${report.added.join(', ')}` : style.ok('all present')],
          ...(report.added.length > 0 && report.present.length > 0 ? [['already there', report.present.join(', ')] as const] : []),
        ]);
      } finally {
        await target.close();
      }
    });
}
