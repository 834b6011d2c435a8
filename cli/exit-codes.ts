/**
 * `ctxpack` exit codes. Documented in the README; scripts may rely on them.
 */
export const ExitCode = {
  /** Everything asked for was done and every check passed. */
  Ok: 0,
  /** A check found a problem: a pack failed verification, the doctor found something unusable. */
  CheckFailed: 1,
  /** The command line was wrong: unknown command, missing or malformed option. */
  Usage: 2,
  /** An input was rejected: schema, path, budget, missing file, corrupt or stale pack. */
  InputRejected: 3,
  /** Something the command needs is not reachable: the Temporal CLI, server or store. */
  Unavailable: 4,
  /** A bug in ctxpack: please report it with the printed stack. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
