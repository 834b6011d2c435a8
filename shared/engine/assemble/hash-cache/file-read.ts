/**
 * Reading the workspace on the fast path: the synchronous plain-directory checks that stand in for
 * `Workspace.resolve`, and chunked hashing of a regular file through one buffer, with yields to the
 * event loop (see "Fast path and symlinks" in index.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import path from 'node:path';
import { OPEN_FLAGS, pace, READ_CHUNK, YIELD_EVERY_BYTES } from './state.js';

export async function yieldToEventLoop(): Promise<void> {
  pace.lookups = 0;
  pace.bytes = 0;
  // Lets timers and I/O callbacks (an activity's heartbeats, other activities) run.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The host path of a checked workspace path (no `..`, no leading slash, `/`-separated): a plain
 * concatenation on POSIX, where `path.join`'s normalisation would only cost time.
 */
export function hostPath(root: string, rel: string): string {
  return path.sep === '/' ? `${root}/${rel}` : path.join(root, ...rel.split('/'));
}

/** Number form (see `keyOf` in state.ts); a missing file is undefined, not an error. */
const LSTAT_OPTIONS = { throwIfNoEntry: false } as const;

/**
 * `lstat` of `rel` when every component is a plain directory and the last a regular file, otherwise
 * undefined (a symlink is neither here, so it always leaves the fast path). Directories already in
 * `plainDirs` are not checked again; checked ones are added.
 */
export function plainFileStat(root: string, rel: string, plainDirs: Set<string> | undefined): Stats | undefined {
  if (!plainParents(root, rel, plainDirs)) return undefined;
  try {
    const info = lstatSync(hostPath(root, rel), LSTAT_OPTIONS);
    return info?.isFile() ? info : undefined;
  } catch {
    return undefined; // ENOTDIR, EACCES...: Workspace.hashFile says what is wrong
  }
}

/** True when every directory on the way to `rel` is a plain directory (no symlink); see plainFileStat. */
export function plainParents(root: string, rel: string, plainDirs: Set<string> | undefined): boolean {
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

type HashedFile = { info: Stats; hex: string; bytes: number };

/**
 * The read loop of both forms below: opens `real` (OPEN_FLAGS), keys it by the fstat of the handle
 * taken before reading, and yields the size of each chunk that is not the last, so the async form
 * can pause there. Returns undefined when the file cannot be opened or read, or is not regular.
 */
function* hashSteps(real: string): Generator<number, HashedFile | undefined> {
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return undefined;
    const hash: Hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
      // A short read that reaches the stat size is the end of a regular file: skip the empty read.
      if (bytesRead < buffer.length && total === info.size) break;
      yield bytesRead;
    }
    return { info, hex: hash.digest('hex'), bytes: total };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and hashes the regular file at symlink-free host path `real`, keyed by the fstat of the open
 * handle taken before reading (the key must describe what was read, not what is there later).
 * Undefined when it cannot be opened or read, or is not a regular file: the caller delegates.
 * Yields to the event loop once `yieldEveryBytes` have been read since the last yield; the hash
 * pool's main-thread share passes one read chunk, so workers are handed work while it reads a large
 * file.
 */
export async function hashRegularFile(real: string, yieldEveryBytes = YIELD_EVERY_BYTES): Promise<HashedFile | undefined> {
  const steps = hashSteps(real);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    pace.bytes += step.value;
    if (pace.bytes >= yieldEveryBytes) await yieldToEventLoop();
  }
}

/**
 * {@link hashRegularFile} without yields (the hash pool with no workers, and what a dead worker held):
 * the same open flags, the fstat of the handle before reading, regular files only.
 */
export function hashRegularFileSync(real: string): HashedFile | undefined {
  const steps = hashSteps(real);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The one read buffer. Safe to share: a read and the hash update that consumes it are synchronous
 * together, and yields only happen between chunks.
 */
const buffer = Buffer.allocUnsafe(READ_CHUNK);
