/** The content-addressed pack store interface: small, so an object-store implementation can follow. */
import type { Sha256 } from '../hash.js';

/** Where an artifact lives. Goes into Temporal history: never a host path or a credential. */
export interface StoreRef {
  readonly store: 'file' | 's3';
  /** `sha256/<64 hex>` */
  readonly key: string;
}

export interface StoredArtifact {
  readonly hash: Sha256;
  readonly ref: StoreRef;
  readonly bytes: number;
  /** false when the same bytes were already stored. */
  readonly created: boolean;
}

export interface PackStore {
  readonly kind: 'file' | 's3';
  /**
   * Stores bytes under sha256(bytes). Idempotent: storing the same bytes again is a no-op. Atomic: a
   * reader never sees a partial artifact, and a failed write leaves nothing behind.
   */
  put(bytes: Uint8Array): Promise<StoredArtifact>;
  /** Loads and re-hashes. Missing or mismatching bytes: ContextPackArtifactCorrupt. */
  get(hash: string): Promise<Uint8Array>;
  has(hash: string): Promise<boolean>;
  /** Every stored artifact (for garbage collection). */
  list(): AsyncIterable<{ hash: Sha256; bytes: number; modifiedAt: Date }>;
  delete(hash: string): Promise<boolean>;
  refFor(hash: string): StoreRef;
  /** For humans, without secrets, e.g. `file:.ctxpack/store`. */
  describe(): string;
}
