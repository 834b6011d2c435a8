/**
 * The hash cache's in-memory state per workspace root, its entry and stat-key types, and its limits.
 * See index.ts for what the cache guarantees and why.
 */
import { constants, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { Sha256 } from '../../hash.js';
import type { Workspace } from '../../workspace-fs.js';

/** Folder of the cache inside a workspace (ignored by git: `**\/.ctxpack/cache/`). */
export const HASH_CACHE_DIR = '.ctxpack/cache';
/** The saved cache; the format version is in the name, so an incompatible file is simply not read. */
export const HASH_CACHE_FILE = 'file-hashes.v1.json';

/** `Workspace.hashFile`'s flags: never follow a last component swapped for a symlink, never block on a FIFO. */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
export const READ_CHUNK = 1024 * 1024;
export const STAMP_REUSE_MS = 1000;
export const FLUSH_DELAY_MS = 100;
/** Entries kept per workspace, oldest recorded dropped first: bounds memory and the file's size. */
export const MAX_ENTRIES = 200_000;
export const YIELD_EVERY_LOOKUPS = 256;
export const YIELD_EVERY_BYTES = 8 * READ_CHUNK;

export const NS_PER_SECOND = 1_000_000_000n;
export const WHOLE_SECOND_GRANULARITY_NS = 2n * NS_PER_SECOND;
export const FINE_GRANULARITY_NS = 10_000_000n;

/** The stat fields a cache key is made of (a BigIntStats has them; so does a hash worker's answer). */
export type StatKey = Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>;

export interface Entry {
  /** `dev:ino:size:mtimeNs:ctimeNs`, decimal. */
  readonly key: string;
  /** 64 lowercase hex. */
  readonly hex: string;
  /** `key` parsed, filled on first comparison (not saved): comparing bigints beats formatting them. */
  parsed?: readonly bigint[];
}

/** Whether `info` is the stat `entry` was recorded for (same as `entry.key === keyOf(info)`). */
export function keyMatches(entry: Entry, info: StatKey): boolean {
  const k = identityOf(entry);
  return k.length === 5 && k[2] === info.size && k[3] === info.mtimeNs && k[4] === info.ctimeNs && k[1] === info.ino && k[0] === info.dev;
}

/** The entry's key as `[dev, ino, size, mtimeNs, ctimeNs]` (empty when malformed). */
export function identityOf(entry: Entry): readonly bigint[] {
  return (entry.parsed ??= parseKey(entry.key));
}

function parseKey(key: string): readonly bigint[] {
  try {
    return key.split(':').map((part) => BigInt(part));
  } catch {
    return []; // a malformed saved key never matches
  }
}

/**
 * `key` in Node's number form: `[dev, ino, size, mtimeMs, ctimeMs]` as a non-bigint `lstat` reports
 * them (cheaper to take than the bigint form, which allocates a BigInt per field). Node computes each
 * time as `seconds * 1000 + nanoseconds / 1e6` in doubles, and so does this, from the bigint
 * nanoseconds (a test checks both agree on every supported Node). Undefined for a malformed key.
 *
 * Why float milliseconds still identify the bytes: a double holds today's epoch milliseconds to
 * about 0.24 µs. ctime is set by the kernel on every change, the cache only holds keys whose last
 * change was more than the granularity g (10 ms, or 2 s) before its stamp, and a later change is
 * stamped S - g at the earliest (index.ts, "Same-tick edits"). For a later change to compare equal,
 * its ctime would have to land within 0.24 µs of the old one: the clock stepped back by g less
 * 0.24 µs, the residual risk the cache already names.
 */
export function numberFormOf(key: readonly bigint[]): number[] | undefined {
  if (key.length !== 5) return undefined;
  const [dev, ino, size, mtimeNs, ctimeNs] = key as [bigint, bigint, bigint, bigint, bigint];
  // A pre-1970 time splits differently here (BigInt division truncates toward zero): it then never
  // matches, which only costs a full assembly.
  const ms = (ns: bigint): number => Number(ns / NS_PER_SECOND) * 1000 + Number(ns % NS_PER_SECOND) / 1e6;
  return [Number(dev), Number(ino), Number(size), ms(mtimeNs), ms(ctimeNs)];
}

export function keyOf(info: StatKey): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

export interface Stamp {
  readonly ns: bigint;
  readonly granularityNs: bigint;
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
      flushing: undefined,
      stats: { hits: 0, misses: 0, racy: 0, delegated: 0 },
    };
    states.set(workspace.root, state);
  }
  return state;
}
