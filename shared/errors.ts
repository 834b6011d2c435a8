/**
 * The base of every error context-packs throws on purpose.
 *
 * Each subclass carries a stable `code` a caller can switch on (the same string becomes the
 * `ApplicationFailure` type at the activity boundary) and a `fix`: one line telling the user what to
 * do. `message` names the thing that is wrong and why, never a secret value.
 */
export abstract class CtxPackError extends Error {
  abstract readonly code: string;
  readonly fix: string;
  /** Structured, secret-free details; safe to put in logs, failures and history. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, fix: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.fix = fix;
    this.details = details;
  }

  /** One line for humans: cause, then the fix. */
  toOneLine(): string {
    return `${this.message} (fix: ${this.fix})`;
  }
}

/** No usable Temporal CLI was found, and installing one failed or was not allowed. */
export class TemporalCliUnavailable extends CtxPackError {
  readonly code = 'TemporalCliUnavailable';
}
