/**
 * A stat-keyed cache of workspace file hashes, so re-assembling a pack whose files did not change
 * (the reuse check on a swap, `ctxpack assemble` run again) costs an `lstat` per file instead of
 * reading and hashing every byte again. The cache never changes a pack's bytes: a lookup returns
 * exactly what `Workspace.hashFile` would, or that call's own error.
 *
 * {@link hashFileCached} and {@link hashFilesCached} have `Workspace.hashFile`'s contract: the same
 * path rules, the same symlink containment, the same errors, the same `{ sha256, bytes }`. Only the
 * common case (plain directories down to a regular file) is handled here; anything else (a symlink on
 * the way, a missing file, a FIFO, an unreadable file) is handed to `Workspace.hashFile` itself, so
 * the errors are its errors.
 *
 * ## Key and storage
 *
 * An entry maps a workspace path to the file's `(dev, ino, size, mtimeNs, ctimeNs)` and its sha256; a
 * lookup hits only when all five still match the file's `lstat` (nanoseconds, bigint). ctime is in
 * the key because nobody can set it: `touch -d`, `cp -p` or `tar` can put an old mtime back after
 * changing the bytes, but every write, chmod, link or rename moves ctime to "now". Entries live in
 * memory per workspace root and are saved to `<workspace>/.ctxpack/cache/file-hashes.v1.json`
 * (atomically: temp file and rename), about 100 ms after the last new entry or on
 * {@link flushHashCache}. A missing, unreadable or malformed cache file is an empty cache. Two
 * processes writing it: the last rename wins, and a lost entry only costs a re-hash.
 *
 * ## Same-tick edits (why a fresh entry is not always stored)
 *
 * File timestamps are coarse: Linux stamps writes from a clock that advances once per tick (1-10 ms),
 * some file systems keep whole seconds (2 s on FAT). A file hashed and then rewritten within the same
 * tick, keeping its size, keeps its stat, and a naive cache would serve the old hash forever (git's
 * "racy clean" problem). So before a file is opened the cache takes a stamp S: the mtime of
 * `.ctxpack/cache/stamp` just after rewriting it, i.e. "now" on the clock of the file system that
 * stamps the files (not the host clock, which a network file system does not use). The entry is stored
 * only when the file's last change, `max(mtime, ctime)` from the fstat of the open handle (taken before
 * reading), is older than S by more than the file system's granularity g.
 *
 * Why that is enough: any write that lands after the stamp gets a change time >= S - g at worst (the
 * margin covers timestamps truncated to g and mixed coarse/fine clocks), which is later than the stored
 * key's change time (< S - g). So every later write, including one racing the read itself, changes
 * the key, and the next lookup misses and re-hashes. Files changed within g of the stamp are hashed
 * but not stored, and are stored on a later lookup. g is read off the stamp: a zero sub-second part
 * means a whole-second file system and g = 2 s; otherwise g = 10 ms (the coarsest Linux tick). A stamp
 * is reused for up to 1 s (an older stamp only makes the rule stricter), and retaken early when the
 * file's `lstat` shows a change too recent for it. Residual risks, as for git: a
 * clock stepped back by more than g, and files on another mount than `.ctxpack/cache` whose clock is
 * skewed from it.
 *
 * ## Fast path and symlinks
 *
 * A path whose every component `lstat`s as a plain directory and whose last is a regular file has no
 * symlink, so it cannot lead out of the root (`rel` has no `..`); that is the check
 * `Workspace.resolve` makes, done synchronously. {@link hashFilesCached} checks each directory once
 * per call: a directory swapped for a symlink while that call runs is not seen by its later lookups,
 * the same check-then-use gap `Workspace.hashFile` has between resolving and opening, only longer.
 * Misses are read synchronously too, in 1 MiB chunks through one buffer (never a whole file), with a
 * yield to the event loop every 256 lookups or 8 MiB read: for thousands of small files the promise
 * API's thread-pool round trips cost 3-4x the reads themselves. On a slow network file system one
 * read can still hold the event loop for its latency.
 *
 * Whoever can write `.ctxpack/cache` can plant a wrong hash for an unchanged file; that is the same
 * trust as the role definitions next to it (role lock sets deny `.ctxpack/**` to models). A workspace
 * whose `.ctxpack` cannot be written still gets the fast path and any saved entries, just no new ones.
 *
 * Node-only. Not for workflow code (I/O).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { INPUT_LIMITS, readBoundedFile } from '../bounded-read.js';
import path from 'node:path';
import type { Sha256 } from '../hash.js';
import { assertWorkspacePath } from '../../core/paths.js';
import type { Workspace } from '../workspace-fs.js';
import { noteFileHash } from './memo.js';

/** Folder of the cache inside a workspace (ignored by git: `**\/.ctxpack/cache/`). */
export const HASH_CACHE_DIR = '.ctxpack/cache';
/** The saved cache; the format version is in the name, so an incompatible file is simply not read. */
export const HASH_CACHE_FILE = 'file-hashes.v1.json';
const STAMP_FILE = 'stamp';

/** `Workspace.hashFile`'s flags: never follow a last component swapped for a symlink, never block on a FIFO. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const READ_CHUNK = 1024 * 1024;
const STAMP_REUSE_MS = 1000;
const FLUSH_DELAY_MS = 100;
/** Entries kept per workspace, oldest recorded dropped first: bounds memory and the file's size. */
const MAX_ENTRIES = 200_000;
const YIELD_EVERY_LOOKUPS = 256;
const YIELD_EVERY_BYTES = 8 * READ_CHUNK;

const NS_PER_SECOND = 1_000_000_000n;
const WHOLE_SECOND_GRANULARITY_NS = 2n * NS_PER_SECOND;
const FINE_GRANULARITY_NS = 10_000_000n;

interface Entry {
  /** `dev:ino:size:mtimeNs:ctimeNs`, decimal. */
  readonly key: string;
  /** 64 lowercase hex. */
  readonly hex: string;
  /** `key` parsed, filled on first comparison (not saved): comparing bigints beats formatting them. */
  parsed?: readonly bigint[];
}

/** Whether `info` is the stat `entry` was recorded for (same as `entry.key === keyOf(info)`). */
function keyMatches(entry: Entry, info: BigIntStats): boolean {
  const k = (entry.parsed ??= parseKey(entry.key));
  return k.length === 5 && k[2] === info.size && k[3] === info.mtimeNs && k[4] === info.ctimeNs && k[1] === info.ino && k[0] === info.dev;
}

function parseKey(key: string): readonly bigint[] {
  try {
    return key.split(':').map((part) => BigInt(part));
  } catch {
    return []; // a malformed saved key never matches
  }
}

interface Stamp {
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

interface CacheState {
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

type FileHash = { sha256: Sha256; bytes: number };

const states = new Map<string, CacheState>();
const pace = { lookups: 0, bytes: 0 };

function stateFor(workspace: Workspace): CacheState {
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

/**
 * The file's sha256 and size, exactly as `workspace.hashFile(rel, field)` returns them (or its
 * error), served from the cache when the file is unchanged since it was hashed.
 */
export async function hashFileCached(workspace: Workspace, rel: string, field: string): Promise<FileHash> {
  return lookup(workspace, rel, field, undefined);
}

/**
 * {@link hashFileCached} for many files, in order, checking each directory on the way once; the
 * first failing file's error is thrown, as a loop over `hashFile` would.
 */
export async function hashFilesCached(
  workspace: Workspace,
  files: readonly { readonly path: string; readonly field: string }[],
): Promise<(FileHash & { path: string })[]> {
  const plainDirs = new Set<string>();
  const out: (FileHash & { path: string })[] = [];
  const state = stateFor(workspace);
  state.loaded ??= load(state);
  await state.loaded;
  for (const file of files) {
    // The common case, an unchanged file, is answered synchronously: no promise per file.
    const hit = cachedHit(workspace, state, file.path, file.field, plainDirs);
    if (hit) {
      noteFileHash(workspace, file.path, hit.sha256);
      out.push({ path: file.path, ...hit });
      if (++pace.lookups >= YIELD_EVERY_LOOKUPS) await yieldToEventLoop();
      continue;
    }
    out.push({ path: file.path, ...(await lookup(workspace, file.path, file.field, plainDirs)) });
  }
  return out;
}

/**
 * True when every file still hashes to the hash given for it (the assembly memo's check). Paths are
 * ones a successful read already validated; unchanged files are answered from the cache by their
 * `lstat` alone, anything else is hashed as {@link hashFileCached} would. Stops at the first difference.
 */
const HASH_LENGTH = 'sha256:'.length + 64;

export async function hashesUnchanged(workspace: Workspace, expected: ReadonlyMap<string, string>): Promise<boolean> {
  const plainDirs = new Set<string>();
  const state = stateFor(workspace);
  state.loaded ??= load(state);
  await state.loaded;
  for (const [rel, hash] of expected) {
    const entry = state.entries.get(rel);
    if (entry !== undefined) {
      const info = plainFileStat(workspace.root, rel, plainDirs);
      if (info !== undefined && keyMatches(entry, info)) {
        state.stats.hits += 1;
        if (hash.length !== HASH_LENGTH || !hash.endsWith(entry.hex)) return false;
        if (++pace.lookups >= YIELD_EVERY_LOOKUPS) await yieldToEventLoop();
        continue;
      }
    }
    if ((await lookup(workspace, rel, rel, plainDirs)).sha256 !== hash) return false;
  }
  return true;
}

/** The cached hash of `rel` when its stat key still matches; undefined otherwise (nothing counted). */
function cachedHit(workspace: Workspace, state: CacheState, rel: string, field: string, plainDirs: Set<string>): FileHash | undefined {
  assertWorkspacePath(rel, field);
  const entry = state.entries.get(rel);
  if (!entry) return undefined;
  const info = plainFileStat(workspace.root, rel, plainDirs);
  if (!info || !keyMatches(entry, info)) return undefined;
  state.stats.hits += 1;
  return { sha256: `sha256:${entry.hex}`, bytes: Number(info.size) };
}

/** Writes unsaved entries now (e.g. before a short-lived process exits, or a workspace is deleted). */
export async function flushHashCache(workspace: Workspace): Promise<void> {
  const state = states.get(workspace.root);
  if (!state) return;
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
  await flush(state);
}

export function hashCacheStats(workspace: Workspace): HashCacheStats {
  const state = states.get(workspace.root);
  if (!state) return { hits: 0, misses: 0, racy: 0, delegated: 0, entries: 0, writable: true };
  return { ...state.stats, entries: state.entries.size, writable: state.writable };
}

/**
 * Saves pending entries, then drops this process's copy, so the next lookup starts from the cache
 * file. For tests and benchmarks that need a cold or from-disk start.
 */
export async function forgetHashCache(workspace: Workspace): Promise<void> {
  await flushHashCache(workspace);
  states.delete(workspace.root);
}

// ---------------------------------------------------------------------------------------------

async function lookup(workspace: Workspace, rel: string, field: string, plainDirs: Set<string> | undefined): Promise<FileHash> {
  const result = await lookupUnnoted(workspace, rel, field, plainDirs);
  // A recorded assembly (assemble/memo.ts) must see this read to know when its result goes stale.
  noteFileHash(workspace, rel, result.sha256);
  return result;
}

async function lookupUnnoted(workspace: Workspace, rel: string, field: string, plainDirs: Set<string> | undefined): Promise<FileHash> {
  assertWorkspacePath(rel, field);
  const state = stateFor(workspace);
  state.loaded ??= load(state);
  await state.loaded;
  if (++pace.lookups >= YIELD_EVERY_LOOKUPS || pace.bytes >= YIELD_EVERY_BYTES) await yieldToEventLoop();

  const real = hostPath(workspace.root, rel);
  const entry = state.entries.get(rel);
  let info: BigIntStats | undefined;
  if (entry) {
    info = plainFileStat(workspace.root, rel, plainDirs);
    if (!info) return delegate(state, workspace, rel, field);
    if (keyMatches(entry, info)) {
      state.stats.hits += 1;
      return { sha256: `sha256:${entry.hex}`, bytes: Number(info.size) };
    }
  } else if (!plainParents(workspace.root, rel, plainDirs)) {
    // Nothing cached: the file's own lstat would only repeat what the O_NOFOLLOW open and the fstat
    // of the handle below establish (a regular file, not a symlink), so only the parents are checked.
    return delegate(state, workspace, rel, field);
  }

  // The stamp must be taken before the file is opened: see "Same-tick edits" above.
  let stamp = await currentStamp(state, info);
  let read = await hashRegularFile(real);
  if (!read) return delegate(state, workspace, rel, field);
  if (info === undefined && stamp && !trustworthy(read.info, stamp)) {
    // Unseen and recently changed: had its stat been known up front, a newer stamp would have been
    // taken before reading. Take it now and read once more, so a settled file gets cached.
    stamp = await currentStamp(state, read.info);
    read = await hashRegularFile(real);
    if (!read) return delegate(state, workspace, rel, field);
  }
  state.stats.misses += 1;
  const complete = BigInt(read.bytes) === read.info.size;
  if (stamp && complete && trustworthy(read.info, stamp)) {
    record(state, rel, { key: keyOf(read.info), hex: read.hex, parsed: [read.info.dev, read.info.ino, read.info.size, read.info.mtimeNs, read.info.ctimeNs] });
  } else {
    if (stamp && complete) state.stats.racy += 1;
    if (state.entries.delete(rel)) scheduleFlush(state);
  }
  return { sha256: `sha256:${read.hex}`, bytes: read.bytes };
}

function delegate(state: CacheState, workspace: Workspace, rel: string, field: string): Promise<FileHash> {
  state.stats.delegated += 1;
  return workspace.hashFile(rel, field);
}

function keyOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** The same-tick rule: store only a file whose last change is older than the stamp by more than g. */
function trustworthy(info: BigIntStats, stamp: Stamp): boolean {
  const changed = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
  return changed + stamp.granularityNs < stamp.ns;
}

async function yieldToEventLoop(): Promise<void> {
  pace.lookups = 0;
  pace.bytes = 0;
  // Lets timers and I/O callbacks (an activity's heartbeats, other activities) run.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The host path of a checked workspace path (no `..`, no leading slash, `/`-separated): a plain
 * concatenation on POSIX, where `path.join`'s normalisation would only cost time.
 */
function hostPath(root: string, rel: string): string {
  return path.sep === '/' ? `${root}/${rel}` : path.join(root, ...rel.split('/'));
}

/**
 * `lstat` of `rel` when every component is a plain directory and the last a regular file, otherwise
 * undefined (a symlink is neither here, so it always leaves the fast path). Directories already in
 * `plainDirs` are not checked again; checked ones are added.
 */
function plainFileStat(root: string, rel: string, plainDirs: Set<string> | undefined): BigIntStats | undefined {
  if (!plainParents(root, rel, plainDirs)) return undefined;
  try {
    const info = lstatSync(hostPath(root, rel), { bigint: true, throwIfNoEntry: false });
    return info?.isFile() ? info : undefined;
  } catch {
    return undefined; // ENOTDIR, EACCES...: Workspace.hashFile says what is wrong
  }
}

/** True when every directory on the way to `rel` is a plain directory (no symlink); see plainFileStat. */
function plainParents(root: string, rel: string, plainDirs: Set<string> | undefined): boolean {
  const slash = rel.lastIndexOf('/');
  // A directory is added only after all its ancestors were: a known parent means a known path.
  if (slash < 0 || plainDirs?.has(rel.slice(0, slash))) return true;
  const segments = rel.split('/');
  try {
    let prefix = '';
    for (let index = 0; index < segments.length - 1; index += 1) {
      prefix = index === 0 ? (segments[0] as string) : `${prefix}/${segments[index] as string}`;
      if (plainDirs?.has(prefix)) continue;
      const dir = lstatSync(hostPath(root, prefix), { throwIfNoEntry: false });
      if (!dir?.isDirectory()) return false;
      plainDirs?.add(prefix);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads and hashes the regular file at symlink-free host path `real`, keyed by the fstat of the open
 * handle taken before reading (the key must describe what was read, not what is there later).
 * Undefined when it cannot be opened or read, or is not a regular file: the caller delegates.
 */
async function hashRegularFile(real: string): Promise<{ info: BigIntStats; hex: string; bytes: number } | undefined> {
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) return undefined;
    const hash: Hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
      pace.bytes += bytesRead;
      // A short read that reaches the stat size is the end of a regular file: skip the empty read.
      if (bytesRead < buffer.length && BigInt(total) === info.size) break;
      if (pace.bytes >= YIELD_EVERY_BYTES) await yieldToEventLoop();
    }
    return { info, hex: hash.digest('hex'), bytes: total };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The one read buffer. Safe to share: a read and the hash update that consumes it are synchronous
 * together, and yields only happen between chunks.
 */
const buffer = Buffer.allocUnsafe(READ_CHUNK);

/**
 * A stamp taken before the file about to be opened (see the file comment); undefined when the cache
 * folder cannot be written. A recent stamp is reused, unless `info` (the file's `lstat`) shows a
 * change too close to it to be stored while a newer stamp would allow it.
 */
async function currentStamp(state: CacheState, info: BigIntStats | undefined): Promise<Stamp | undefined> {
  if (!state.writable) return undefined;
  const stamp = state.stamp;
  if (stamp) {
    const age = performance.now() - stamp.takenAt;
    const granularityMs = Number(stamp.granularityNs / 1_000_000n);
    // Without the file's stat (nothing was cached for it) the recent stamp is used as it is: storing
    // still requires the fstat of what was read to be older than the stamp (trustworthy below).
    if (age < STAMP_REUSE_MS && (age < granularityMs || info === undefined || trustworthy(info, stamp))) return stamp;
  }
  state.stamping ??= (async () => {
    try {
      await mkdir(state.dir, { recursive: true });
      const file = path.join(state.dir, STAMP_FILE);
      await writeFile(file, `${process.pid}\n`);
      const info = await stat(file, { bigint: true });
      const granularityNs = info.mtimeNs % NS_PER_SECOND === 0n ? WHOLE_SECOND_GRANULARITY_NS : FINE_GRANULARITY_NS;
      state.stamp = { ns: info.mtimeNs, granularityNs, takenAt: performance.now() };
      return state.stamp;
    } catch {
      state.writable = false;
      return undefined;
    } finally {
      state.stamping = undefined;
    }
  })();
  return state.stamping;
}

function record(state: CacheState, rel: string, entry: Entry): void {
  // Delete first, so the Map's order is "oldest recorded first" for the size cap.
  state.entries.delete(rel);
  state.entries.set(rel, entry);
  while (state.entries.size > MAX_ENTRIES) state.entries.delete(state.entries.keys().next().value as string);
  scheduleFlush(state);
}

function scheduleFlush(state: CacheState): void {
  state.dirty = true;
  if (!state.writable) return;
  // Debounced: a cold assembly of 10,000 files writes the file once, after its last new entry.
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = undefined;
    void flush(state);
  }, FLUSH_DELAY_MS);
}

/** The file's shape: `{ "version": 1, "entries": { "<path>": ["dev:ino:size:mtimeNs:ctimeNs", "<hex>"] } }`. */
interface SavedCache {
  readonly version: 1;
  readonly entries: Record<string, readonly [string, string]>;
}

const KEY_PATTERN = /^\d+:\d+:\d+:\d+:\d+$/;
const HEX_PATTERN = /^[0-9a-f]{64}$/;

/** Well-formed entries of a saved cache; anything malformed is left out (a whole bad file: none). */
function parseSaved(text: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) return out;
  const entries = (raw as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null) return out;
  for (const [rel, value] of Object.entries(entries)) {
    if (!Array.isArray(value) || value.length !== 2) continue;
    const [key, hex] = value as unknown[];
    if (typeof key === 'string' && KEY_PATTERN.test(key) && typeof hex === 'string' && HEX_PATTERN.test(hex)) {
      out.set(rel, { key, hex });
    }
  }
  return out;
}

async function load(state: CacheState): Promise<void> {
  try {
    // Bounded and non-blocking: a cache file replaced by a FIFO or a device is ignored, not waited on.
    state.entries = parseSaved((await readBoundedFile(state.file, 'the hash cache', INPUT_LIMITS.cache, { noFollow: true })).toString('utf8'));
  } catch {
    state.entries = new Map();
  }
}

async function flush(state: CacheState): Promise<void> {
  // One writer at a time per process; a flush asked for meanwhile runs after it.
  while (state.flushing) await state.flushing;
  if (!state.dirty || !state.writable) return;
  state.dirty = false;
  const entries: Record<string, readonly [string, string]> = {};
  for (const [rel, entry] of state.entries) entries[rel] = [entry.key, entry.hex];
  const body = JSON.stringify({ version: 1, entries } satisfies SavedCache);
  const temp = `${state.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  state.flushing = (async () => {
    try {
      // No mkdir: the stamp made the folder, and a workspace deleted meanwhile must stay deleted.
      await writeFile(temp, body);
      await rename(temp, state.file); // readers see the old file or the new one, never a torn one
    } catch {
      await rm(temp, { force: true }).catch(() => {});
    }
  })();
  try {
    await state.flushing;
  } finally {
    state.flushing = undefined;
  }
}
