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
 * An entry maps a workspace path to the file's `(dev, ino, size, mtimeMs, ctimeMs)` and its sha256; a
 * lookup hits only when all five still match the file's `lstat` (Node's number form: float
 * milliseconds, precise to about 0.24 µs; `keyOf` in state.ts says why that is enough). ctime is in
 * the key because nobody can set it: `touch -d`, `cp -p` or `tar` can put an old mtime back after
 * changing the bytes, but every write, chmod, link or rename moves ctime to "now". Entries live in
 * memory per workspace root and are saved to `<workspace>/.ctxpack/cache/file-hashes.v2.json`
 * (atomically: temp file and rename), 100-200 ms after the last new entry or on
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
import type { Stats } from 'node:fs';
import { assertWorkspacePath, workspacePathProblem } from '../../../core/paths.js';
import type { Workspace } from '../../workspace-fs.js';
import { noteFileHash } from '../observations.js';
import { hashRegularFile, hostPath, plainFileStat, plainParents, yieldToEventLoop } from './file-read.js';
import { flush, load, record, scheduleFlush } from './persistence.js';
import { hashMany, POOL_MIN_FILES, type PooledHash } from './pool.js';
import { currentStamp, trustworthy } from './stamp.js';
import { identityOf, keyMatches, keyOf, pace, stateFor, states, YIELD_EVERY_BYTES, YIELD_EVERY_LOOKUPS, type CacheState, type FileHash, type HashCacheStats, type Stamp } from './state.js';

export { HASH_CACHE_DIR, HASH_CACHE_FILE, type HashCacheStats } from './state.js';
export { POOL_MIN_FILES, setHashThreads } from './pool.js';

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
  const state = stateFor(workspace);
  state.loaded ??= load(state);
  await state.loaded;
  // Pass 1, synchronous: unchanged files are answered from the cache; plain regular files to hash go
  // to the pool; anything else (a symlink on the way, a missing file) to `lookup`, which delegates.
  // A path breaking the rules stops the pass: files after it are never looked at, as in a loop.
  const hits: (FileHash | undefined)[] = new Array(files.length);
  const pooled: number[] = [];
  let end = files.length;
  for (let i = 0; i < files.length; i += 1) {
    const file = files[i] as { readonly path: string; readonly field: string };
    if (workspacePathProblem(file.path) !== undefined) {
      end = i;
      break;
    }
    const entry = state.entries.get(file.path);
    if (entry !== undefined) {
      const info = plainFileStat(workspace.root, file.path, plainDirs);
      if (info === undefined) continue;
      if (keyMatches(entry, info)) {
        hits[i] = { sha256: `sha256:${entry.hex}`, bytes: Number(info.size) };
        continue;
      }
    } else if (!plainParents(workspace.root, file.path, plainDirs)) {
      continue;
    }
    pooled.push(i);
  }
  // Pass 2: hash the changed and unseen files on every core (pool.ts), after taking the stamp (the
  // same-tick rule: it must be older than every open). Few files are not worth it: `lookup` does them.
  let reads: (PooledHash | undefined)[] = [];
  let stamp: Stamp | undefined;
  if (pooled.length >= POOL_MIN_FILES) {
    stamp = await currentStamp(state, undefined);
    reads = await hashMany(pooled.map((i) => hostPath(workspace.root, (files[i] as { path: string }).path)));
  }
  // Pass 3, in list order: results, cache entries and memo notes exactly as a loop of lookups gives,
  // and the first failing file's error (from `lookup`, so from `Workspace.hashFile`).
  const out: (FileHash & { path: string })[] = [];
  const readAt = new Map<number, PooledHash | undefined>();
  if (reads.length > 0) pooled.forEach((index, k) => readAt.set(index, reads[k]));
  for (let i = 0; i < end; i += 1) {
    const file = files[i] as { readonly path: string; readonly field: string };
    const hit = hits[i];
    if (hit !== undefined) {
      state.stats.hits += 1;
      noteFileHash(workspace, file.path, hit.sha256);
      out.push({ path: file.path, sha256: hit.sha256, bytes: hit.bytes });
      if (++pace.lookups >= YIELD_EVERY_LOOKUPS) await yieldToEventLoop();
      continue;
    }
    const read = readAt.get(i);
    // A file changed too close to the stamp goes to `lookup`, which retakes the stamp and reads again.
    if (read !== undefined && (stamp === undefined || trustworthy(read.info, stamp))) {
      out.push(storeRead(state, file.path, read, stamp));
      noteFileHash(workspace, file.path, `sha256:${read.hex}`);
      if (++pace.lookups >= YIELD_EVERY_LOOKUPS) await yieldToEventLoop();
      continue;
    }
    out.push({ path: file.path, ...(await lookup(workspace, file.path, file.field, plainDirs)) });
  }
  if (end < files.length) {
    const bad = files[end] as { readonly path: string; readonly field: string };
    assertWorkspacePath(bad.path, bad.field); // throws: the same error a loop would have thrown here
  }
  return out;
}

/** Counts and (when it may be stored: a stamp, the whole file, the same-tick rule) records a read. */
function storeRead(state: CacheState, rel: string, read: PooledHash, stamp: Stamp | undefined): FileHash & { path: string } {
  state.stats.misses += 1;
  const complete = read.bytes === read.info.size;
  if (stamp && complete && trustworthy(read.info, stamp)) {
    const { dev, ino, size, mtimeMs, ctimeMs } = read.info;
    record(state, rel, { key: keyOf(read.info), hex: read.hex, parsed: [dev, ino, size, mtimeMs, ctimeMs] });
  } else {
    if (stamp && complete) state.stats.racy += 1;
    if (state.entries.delete(rel)) scheduleFlush(state);
  }
  return { path: rel, sha256: `sha256:${read.hex}`, bytes: read.bytes };
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

/**
 * The stat key `[dev, ino, size, mtimeMs, ctimeMs]` under which `rel` is cached with hash `sha256`, or
 * undefined when it is not cached with that hash (never stored, racy, or changed since). An `lstat`
 * equal to it later means the file still has those bytes, on the same grounds as a cache hit: the
 * assembly memo (memo-checks.ts) keys its saved checks on it.
 */
export function cachedStatNumbers(workspace: Workspace, rel: string, sha256: string): readonly number[] | undefined {
  const entry = states.get(workspace.root)?.entries.get(rel);
  if (!entry || sha256.length !== HASH_LENGTH || !sha256.endsWith(entry.hex)) return undefined;
  const key = identityOf(entry);
  return key.length === 5 ? key : undefined;
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
  let info: Stats | undefined;
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
  const complete = read.bytes === read.info.size;
  if (stamp && complete && trustworthy(read.info, stamp)) {
    record(state, rel, { key: keyOf(read.info), hex: read.hex, parsed: [read.info.dev, read.info.ino, read.info.size, read.info.mtimeMs, read.info.ctimeMs] });
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
