/** The content-addressed pack store interface: small, so an object-store implementation can follow. */
import type { StoreRef } from '../../core/schema/governed-job.js';
import type { Sha256 } from '../hash.js';

export type { StoreRef };

/** What {@link PackStore.put} stored. */
export interface StoredArtifact {
  readonly hash: Sha256;
  readonly ref: StoreRef;
  /** Size in bytes. */
  readonly bytes: number;
  /** false when the same bytes were already stored intact (this call wrote nothing). */
  readonly created: boolean;
}

/** One stored artifact, as {@link PackStore.list} reports it. */
export interface StoredEntry {
  readonly hash: Sha256;
  readonly bytes: number;
  readonly modifiedAt: Date;
}

/**
 * A content-addressed store of pack bytes. Hash arguments are `sha256:<64 lowercase hex>`; anything
 * else is refused with `PackSchemaInvalid` (a hash is never used as a path).
 */
export interface PackStore {
  readonly kind: 'file' | 's3';
  /**
   * Stores bytes under sha256(bytes). Idempotent: storing the same bytes again writes nothing
   * (`created: false`) but refreshes the artifact's age, as {@link touch} does. Atomic: a reader never sees a partial artifact, and a failed write leaves
   * nothing behind (`PackStoreUnavailable`).
   */
  put(bytes: Uint8Array): Promise<StoredArtifact>;
  /**
   * Loads and re-hashes. Missing or mismatching bytes: `ContextPackArtifactCorrupt` with
   * `details.reason` `'missing'` or `'hash-mismatch'`.
   */
  get(hash: string): Promise<Uint8Array>;
  /** True when the artifact is present and its bytes still hash to `hash`. */
  has(hash: string): Promise<boolean>;
  /** Every stored artifact with its size and modification time (for garbage collection). */
  list(): AsyncIterable<StoredEntry>;
  /**
   * Marks an artifact as just used (its age for gc starts over); false when it is not there. Called
   * when a job binds a pack, and by `put` when the bytes were already stored.
   */
  touch(hash: string): Promise<boolean>;
  /** Removes an artifact; false when it was not there. */
  delete(hash: string): Promise<boolean>;
  /** The history-safe reference for `hash`. */
  refFor(hash: string): StoreRef;
  /** For humans, without secrets, e.g. `file:.ctxpack/store`. */
  describe(): string;
}
