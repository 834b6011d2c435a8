/**
 * The hash cache's in-memory state per workspace root, its entry and stat-key types, and its limits.
 * See index.ts for what the cache guarantees and why.
 */
import { constants, type Stats } from 'node:fs';
import path from 'node:path';
import type { Sha256 } from '../../hash.js';
import type { Workspace } from '../../workspace-fs.js';

/** Folder of the cache inside a workspace (ignored by git: `**\/.ctxpack/cache/`). */
export const HASH_CACHE_DIR = '.ctxpack/cache';
/** The saved cache; the format version is in the name, so an incompatible file is simply not read. */
export const HASH_CACHE_FILE = 'file-hashes.v2.json';

/** `Workspace.hashFile`'s flags: never follow a last component swapped for a symlink, never block on a FIFO. */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
export const READ_CHUNK = 1024 * 1024;
export const STAMP_REUSE_MS = 1000;
export const FLUSH_DELAY_MS = 100;
/** Entries kept per workspace, oldest recorded dropped first: bounds memory and the file's size. */
export const MAX_ENTRIES = 200_000;
export const YIELD_EVERY_LOOKUPS = 256;
export const YIELD_EVERY_BYTES = 8 * READ_CHUNK;

export const WHOLE_SECOND_GRANULARITY_MS = 2000;
export const FINE_GRANULARITY_MS = 10;
/** Added to g in the same-tick rule: more than a double's rounding of two epoch-millisecond times. */
export const ROUNDING_MARGIN_MS = 0.001;

/** The stat fields a cache key is made of (a number-form Stats has them; so does a hash worker's answer). */
export type StatKey = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

export interface Entry {
  /** `dev:ino:size:mtimeMs:ctimeMs`, each as JavaScript writes the number (times with their fraction). */
  readonly key: string;
  /** 64 lowercase hex. */
  readonly hex: string;
  /** `key` parsed, filled on first comparison (not saved): comparing numbers beats formatting them. */
  parsed?: readonly number[];
}

/** Whether `info` is the stat `entry` was recorded for (same as `entry.key === keyOf(info)`). */
export function keyMatches(entry: Entry, info: StatKey): boolean {
  const k = identityOf(entry);
  return k.length === 5 && k[2] === info.size && k[3] === info.mtimeMs && k[4] === info.ctimeMs && k[1] === info.ino && k[0] === info.dev;
}

/** The entry's key as `[dev, ino, size, mtimeMs, ctimeMs]` (empty when malformed). */
export function identityOf(entry: Entry): readonly number[] {
  return (entry.parsed ??= parseKey(entry.key));
}

function parseKey(key: string): readonly number[] {
  const parts = key.split(':').map(Number);
  // A malformed saved key never matches.
  return parts.length === 5 && parts.every((n) => Number.isFinite(n) && n >= 0) ? parts : [];
}

/**
 * The key of a stat in Node's number form: times are float milliseconds (Node computes
 * `seconds * 1000 + nanoseconds / 1e6` in doubles), not the bigint form's nanoseconds, because a
 * bigint `fstat`/`lstat` allocates a BigInt per field, 10,000 files at a time. A number's decimal
 * text reads back as the same number, so a saved key compares exactly.
 *
 * Why float milliseconds still identify the bytes: a double holds today's epoch milliseconds to
 * about 0.24 µs. ctime is set by the kernel on every change, the cache only stores a file whose last
 * change is older than its stamp S by more than the granularity g plus 1 µs (stamp.ts), and a later
 * change is stamped S - g at the earliest (index.ts, "Same-tick edits"): its ctime is later than the
 * stored one by more than the rounding, so it compares unequal.
 */
export function keyOf(info: StatKey): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

export interface Stamp {
  /** The stamp file's mtime, float milliseconds. */
  readonly ms: number;
  readonly granularityMs: number;
  /** `performance.now()` when taken. */
  readonly takenAt: number;
}

/** What a workspace's cache did in this process, for benchmarks and diagnostics. */
export interface HashCacheStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** Files read and hashed here. */
  misses: number;
  /** Of the misses, files changed too recently to store (the same-tick rule). */
  racy: number;
  /** Lookups handed to `Workspace.hashFile` (not a plain regular file, or an error). */
  delegated: number;
  entries: number;
  /** False once the cache folder could not be written: nothing new is stored. */
  writable: boolean;
}

export interface CacheState {
  readonly dir: string;
  readonly file: string;
  entries: Map<string, Entry>;
  loaded: Promise<void> | undefined;
  stamp: Stamp | undefined;
  stamping: Promise<Stamp | undefined> | undefined;
  writable: boolean;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** A change since the timer was armed: when it fires, it waits another delay instead of saving. */
  changedSinceArmed: boolean;
  flushing: Promise<void> | undefined;
  stats: Omit<HashCacheStats, 'entries' | 'writable'>;
}

export type FileHash = { sha256: Sha256; bytes: number };

export const states = new Map<string, CacheState>();
export const pace = { lookups: 0, bytes: 0 };

export function stateFor(workspace: Workspace): CacheState {
  let state = states.get(workspace.root);
  if (!state) {
    const dir = path.join(workspace.root, ...HASH_CACHE_DIR.split('/'));
    state = {
      dir,
      file: path.join(dir, HASH_CACHE_FILE),
      entries: new Map(),
      loaded: undefined,
      stamp: undefined,
      stamping: undefined,
      writable: true,
      dirty: false,
      timer: undefined,
      changedSinceArmed: false,
      flushing: undefined,
      stats: { hits: 0, misses: 0, racy: 0, delegated: 0 },
    };
    states.set(workspace.root, state);
  }
  return state;
}
