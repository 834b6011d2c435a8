/** The `ctxpack` command: parses arguments with commander and dispatches to one file per command. */
import { Command, CommanderError } from 'commander';
import { registerDev } from './commands/dev.js';
import { registerDoctor } from './commands/doctor.js';
import { ExitCode } from './exit-codes.js';
import { reportError } from './output.js';

const program = new Command('ctxpack')
  .description('Build, verify and inspect Context Packs for governed Temporal workflows')
  .showHelpAfterError()
  .exitOverride();

registerDoctor(program);
registerDev(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed the message (and help); keep its code for --help/--version.
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else {
    process.exitCode = reportError(err);
  }
}
