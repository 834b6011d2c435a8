/** `ctxpack diff`: what changed between two packs, field by field. */
import type { Command } from 'commander';
import { diffPacks } from '../../shared/core/diff.js';
import { loadPackArg, storeFor } from '../pack-args.js';
import { printJson } from '../output.js';

/** Adds the options and action of `ctxpack diff` to its (already named and described) command. */
export function registerDiff(command: Command): void {
  command
    .argument('<a>', 'pack hash or file (before)')
    .argument('<b>', 'pack hash or file (after)')
    .option('--store <dir>', 'pack store (file:DIR or DIR); default ./.ctxpack/store or CTXPACK_STORE')
    .option('--workspace <dir>', 'workspace whose default store to use')
    .option('--json', 'print one JSON object')
    .action(async (a: string, b: string, options: { store?: string; workspace?: string; json?: boolean }) => {
      const store = storeFor(options);
      const before = await loadPackArg(a, store);
      const after = await loadPackArg(b, store);
      const changes = diffPacks(before.parsed.pack, after.parsed.pack);
      if (options.json) {
        printJson({ a: before.hash, b: after.hash, identical: changes.length === 0, changes });
        return;
      }
      if (changes.length === 0) {
        process.stdout.write(`identical: ${before.hash}\n`);
        return;
      }
      const mark = { added: '+', removed: '-', changed: '~' } as const;
      for (const change of changes) {
        const value =
          change.change === 'changed'
            ? `${brief(change.before)} -> ${brief(change.after)}`
            : brief(change.change === 'added' ? change.after : change.before);
        process.stdout.write(`${mark[change.change]} ${change.field}: ${value}\n`);
      }
    });
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
