/**
 * The base of every error context-packs throws on purpose.
 *
 * Each subclass carries a stable `code` a caller can switch on (the same string becomes the
 * `ApplicationFailure` type at the activity boundary) and a `fix`: one line telling the user what to
 * do. `message` names the thing that is wrong and why, never a secret value.
 */
import { scrubDetails, scrubSync } from './sanitize/scrub.js';

export abstract class CtxPackError extends Error {
  abstract readonly code: string;
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
 * documented limit (`shared/bounded-read.ts`). Refused before any byte is read, so it never blocks.
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

/** Every error code context-packs can throw, for exhaustive handling and documentation. */
export const ERROR_CODES = [
  'TemporalCliUnavailable',
  'TemporalUnreachable',
  'SearchAttributesMissing',
  'JobStateUnavailable',
  'ContextPackStale',
  'ContextPackArtifactCorrupt',
  'ContextPackRegenDenied',
  'ContextPackRegenFailed',
  'ContextPackProvenanceMissing',
  'PackPathRejected',
  'PackBudgetExceeded',
  'PackSchemaInvalid',
  'PackSourceMissing',
  'PackStoreUnavailable',
  'PackInputRejected',
  'ModelResultInvalid',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
