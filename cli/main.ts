/** The `ctxpack` command: parses arguments with commander and dispatches to one file per command. */
import { Command, CommanderError } from 'commander';
import { registerAssemble } from './commands/assemble.js';
import { registerDev } from './commands/dev.js';
import { registerDiff } from './commands/diff.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGc } from './commands/gc.js';
import { registerList } from './commands/list.js';
import { registerReplay } from './commands/replay.js';
import { registerShow } from './commands/show.js';
import { registerStart } from './commands/start.js';
import { registerSwap } from './commands/swap.js';
import { registerSchema } from './commands/schema.js';
import { registerVerify } from './commands/verify.js';
import { registerWorker } from './commands/worker.js';
import { ExitCode } from './exit-codes.js';
import { reportError } from './output.js';

const program = new Command('ctxpack')
  .description('Build, verify and inspect Context Packs for governed Temporal workflows')
  .showHelpAfterError()
  .exitOverride();

registerDoctor(program);
registerDev(program);
registerAssemble(program);
registerVerify(program);
registerDiff(program);
registerSchema(program);
registerStart(program);
registerSwap(program);
registerShow(program);
registerList(program);
registerReplay(program);
registerGc(program);
registerWorker(program);

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
