#!/usr/bin/env node
/**
 * The `ctxpack` command: parses arguments with commander and dispatches to one file per command.
 * Only the invoked command's module is loaded (see commands/index.ts); the others are listed by
 * name and description for `--help`.
 */
import module from 'node:module';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { defaultToolsDir } from './tools/tool-cache.js';
import { COMMANDS } from './commands/index.js';
import { ExitCode } from '../shared/core/failures.js';
import { reportError } from './output.js';
import { setVerbose } from './sdk-logs.js';

// Node 22.1+ keeps compiled code between runs (the tokenizer tables alone are 2.4 MB of JavaScript),
// in this user's own tool cache rather than the shared temp directory, where another user could
// plant entries. On Node 20 the function is absent and nothing changes. Commands load after this.
(module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(path.join(defaultToolsDir(), 'node-compile-cache'));

const program = new Command('ctxpack')
  .description('Build, verify and inspect Context Packs for governed Temporal workflows')
  .option('--verbose', "also print the Temporal SDK's INFO log lines")
  .showHelpAfterError()
  .exitOverride();
program.hook('preAction', () => setVerbose(program.opts<{ verbose?: boolean }>().verbose === true));

try {
  // `ctxpack help <command>` shows that command's options, so it loads that command too.
  const words = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const invoked = words[0] === 'help' ? words[1] : words[0];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = program.command(name).description(entry.description);
    if (name === invoked) (await entry.load())(command);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed the message (and help); keep its code for --help/--version.
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else {
    process.exitCode = reportError(err);
  }
}
