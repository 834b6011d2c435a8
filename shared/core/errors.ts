/**
 * The base of every error context-packs throws on purpose.
 *
 * Each subclass carries a stable `code` a caller can switch on (the same string becomes the
 * `ApplicationFailure` type at the activity boundary) and a `fix`: one line telling the user what to
 * do. `message` names the thing that is wrong and why, never a secret value.
 */
import { FAILURES, type FailureCode } from './failures.js';
import { scrubDetails, scrubSync } from './text/scrub.js';

/** The base of every error context-packs throws on purpose: a stable `code` from the failure catalogue, a one-line `fix`, and secret-free `details`. */
export abstract class CtxPackError extends Error {
  /** The catalogue code (shared/core/failures.ts): the ApplicationFailure type at the activity boundary. */
  abstract readonly code: FailureCode;
  readonly fix: string;
  /** Structured, secret-free details; safe to put in logs, failures and history. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, fix: string, details: Record<string, unknown> = {}) {
    // Messages are written to name a field and a rule, never a value; scrubbing here catches a
    // builder that got it wrong before the text reaches stderr, logs or history (see scrub.ts).
    super(scrubSync(message));
    this.name = new.target.name;
    this.fix = scrubSync(fix);
    this.details = scrubDetails(details);
  }

  /** One line for humans: cause, then the fix. */
  toOneLine(): string {
    return `${this.message} (fix: ${this.fix})`;
  }
}

/** The Temporal server is not reachable (exit code 4). */
export class TemporalUnreachable extends CtxPackError {
  readonly code = 'TemporalUnreachable';
}

/** No usable Temporal CLI was found, and installing one failed or was not allowed. */
export class TemporalCliUnavailable extends CtxPackError {
  readonly code = 'TemporalCliUnavailable';
}

// --- Context Pack failures. Each `code` is stable: it is the ApplicationFailure type at the activity
// boundary and what `ctxpack` users and workflow code switch on.

/** A stored pack's sources changed since it was built, and the freshness policy forbids using it. */
export class ContextPackStale extends CtxPackError {
  readonly code = 'ContextPackStale';
}

/** A stored artifact is missing, or its bytes no longer hash to the name it is stored under. */
export class ContextPackArtifactCorrupt extends CtxPackError {
  readonly code = 'ContextPackArtifactCorrupt';
}

/** A stale pack needs regenerating but the freshness policy does not allow it. */
export class ContextPackRegenDenied extends CtxPackError {
  readonly code = 'ContextPackRegenDenied';
}

/** Regenerating a stale pack was attempted and failed. */
export class ContextPackRegenFailed extends CtxPackError {
  readonly code = 'ContextPackRegenFailed';
}

/** A payload item has no source reference where the governance mode requires one. */
export class ContextPackProvenanceMissing extends CtxPackError {
  readonly code = 'ContextPackProvenanceMissing';
}

/** A path is absolute, has a drive letter, escapes the workspace, or is otherwise unsafe. */
export class PackPathRejected extends CtxPackError {
  readonly code = 'PackPathRejected';
}

/** Content that must always be included does not fit its token budget. */
export class PackBudgetExceeded extends CtxPackError {
  readonly code = 'PackBudgetExceeded';
}

/** An input or a pack does not match its schema, or cannot be put in canonical form. */
export class PackSchemaInvalid extends CtxPackError {
  readonly code = 'PackSchemaInvalid';
}

/** A file the pack needs (role definition, codex, required file, context source) does not exist. */
export class PackSourceMissing extends CtxPackError {
  readonly code = 'PackSourceMissing';
}

/**
 * A file to read is not a regular file (a FIFO, device, socket or directory) or is larger than its
 * documented limit (`shared/engine/bounded-read.ts`). Refused before any byte is read, so it never blocks.
 */
export class PackInputRejected extends CtxPackError {
  readonly code = 'PackInputRejected';
}

/** The store cannot be written (read-only, full, permissions); nothing partial was left behind. */
export class PackStoreUnavailable extends CtxPackError {
  readonly code = 'PackStoreUnavailable';
}

/**
 * The namespace lacks search attributes the plugin writes (or has them with another type), and they
 * could not be added: the worker refuses to start rather than fail every workflow task.
 */
export class SearchAttributesMissing extends CtxPackError {
  readonly code = 'SearchAttributesMissing';
}

/** A governed job did not answer its state query (not found, or its workflow task is failing). */
export class JobStateUnavailable extends CtxPackError {
  readonly code = 'JobStateUnavailable';
}

/**
 * A model's structured result does not satisfy its role pack's result schema (or is missing, or over
 * the size bound). Not retried: the same model on the same input tends to answer the same way, so a
 * workflow escalates (or fails) on it. The message lists the problems by field path, never a value;
 * `details.response_hash` names the stored answer, kept for inspection.
 */
export class ModelResultInvalid extends CtxPackError {
  readonly code = 'ModelResultInvalid';
}

/** A port the local dev server needs is taken. */
export class PortInUse extends CtxPackError {
  readonly code = 'PortInUse';
}

/** No usable llama-server or local model, and installing it failed or was not allowed. */
export class LocalModelUnavailable extends CtxPackError {
  readonly code = 'LocalModelUnavailable';
  constructor(
    message: string,
    fix: string,
    /** Every place that was looked in, in order. */
    readonly looked: readonly string[],
  ) {
    super(message, fix, { looked: [...looked] });
  }
}

/** The workflow refused the swap (its validator, the work profile, RT-SWAP-001). */
export class SwapRefused extends CtxPackError {
  readonly code = 'SwapRefused';
}

/** What the model saw can no longer be reproduced exactly from the stored artifacts. */
export class RenderMismatch extends CtxPackError {
  readonly code = 'RenderMismatch';
}

/** Every failure code context-packs raises (the catalogue's, shared/core/failures.ts). */
export const ERROR_CODES: readonly FailureCode[] = FAILURES.map((f) => f.code);
/** A failure code of the catalogue (`shared/core/failures.ts`). */
export type ErrorCode = FailureCode;
