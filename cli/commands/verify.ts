/** `ctxpack verify`: re-hash and schema-check a pack from the store or a file. */
import type { Command } from 'commander';
import { CtxPackError } from '../../shared/errors.js';
import { ExitCode } from '../exit-codes.js';
import { loadPackArg, storeFor } from '../pack-args.js';
import { printJson, printTable, style } from '../output.js';

/** Adds the options and action of `ctxpack verify` to its (already named and described) command. */
export function registerVerify(command: Command): void {
  command
    .argument('<pack>', 'a pack hash (sha256:...) in the store, or a pack file')
    .option('--store <dir>', 'pack store (file:DIR or DIR); default ./.ctxpack/store or CTXPACK_STORE')
    .option('--workspace <dir>', 'workspace whose default store to use')
    .option('--json', 'print one JSON object')
    .action(async (arg: string, options: { store?: string; workspace?: string; json?: boolean }) => {
      const store = storeFor(options);
      try {
        const verified = await loadPackArg(arg, store);
        const result = { ok: true, hash: verified.hash, kind: verified.parsed.kind, bytes: verified.bytes.length };
        if (options.json) printJson(result);
        else printTable([['ok', style.ok(`${result.kind} ${result.hash} (${result.bytes} bytes)`)]]);
      } catch (err) {
        if (!(err instanceof CtxPackError)) throw err;
        if (options.json) printJson({ ok: false, code: err.code, error: err.message, fix: err.fix });
        process.stderr.write(`ctxpack: ${err.message}\n  fix: ${err.fix}\n`);
        process.exitCode = ExitCode.CheckFailed;
      }
    });
}
