/**
 * What the assembly memo checks before reusing packs, in a compact form it can keep in memory and
 * save to disk (memo-disk.ts): the observations of one recorded assembly (observations.ts), turned
 * into
 *
 * - `paths` + `ids`: every file whose hash came from the stat-keyed hash cache, with the stat key
 *   `(dev, ino, size, mtimeMs, ctimeMs)` the cache holds for exactly that hash. An `lstat` equal to it
 *   now means the same bytes, on the hash cache's own grounds (ctime in the key, the same-tick rule);
 *   checking costs one `lstat` per file and one per directory (shared with the hash pool's worker
 *   threads on more than one core), and no hash-cache lookup at all. The key is in Node's number form
 *   (float milliseconds, hash-cache/state.ts `keyOf`), cheap to compare;
 * - `content`: every other file read (definitions, context sources, files changed too recently for
 *   the cache to keep): read and hashed again, which for these small files is cheap;
 * - `exists` answers and `glob` results, asked again.
 *
 * Any difference, and any error, means "does not hold": the caller then assembles from scratch, which
 * reports errors exactly as it always did. A path is checked only when every directory on the way is a
 * plain directory and the file a regular file (no symlink), as on the hash cache's fast path.
 *
 * Node-only (I/O). Not for workflow code.
 */
import { INPUT_LIMITS } from '../bounded-read.js';
import { sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { hostPath, plainFileStat, plainParents, yieldToEventLoop } from './hash-cache/file-read.js';
import { OPEN_FLAGS } from './hash-cache/state.js';
import { cachedStatNumbers } from './hash-cache/index.js';
import { statsMatch } from './hash-cache/pool.js';
import type { Observation } from './observations.js';

export interface GlobCheck {
  readonly patterns: readonly string[];
  readonly ignore: readonly string[];
  readonly value: readonly string[];
}

export interface MemoChecks {
  /** Files checked by their stat key, in `ids` order. */
  readonly paths: readonly string[];
  /** Five values per path: dev, ino, size, mtimeMs, ctimeMs, as a non-bigint `lstat` reports them. */
  readonly ids: Float64Array;
  /** Files checked by their bytes: `[path, "sha256:..."]`. */
  readonly content: readonly (readonly [string, string])[];
  readonly exists: readonly (readonly [string, boolean])[];
  readonly globs: readonly GlobCheck[];
}

/** Values per path in `ids`. */
export const ID_FIELDS = 5;
/** Lstats between yields to the event loop (heartbeats of a busy activity worker keep running). */
const YIELD_EVERY = 2048;
/** Re-read files are at most this big (the largest workspace input a read accepts). */
const CONTENT_LIMIT = Math.max(INPUT_LIMITS.definition, INPUT_LIMITS.source);

/**
 * The checks for a recorded assembly's observations, or undefined when they contradict each other
 * (one file seen with two hashes: it changed during that assembly, so nothing can be reused).
 */
export function checksFor(workspace: Workspace, observed: readonly Observation[]): MemoChecks | undefined {
  const hashes = new Map<string, string>();
  const exists = new Map<string, boolean>();
  const globs: GlobCheck[] = [];
  for (const o of observed) {
    if (o.kind === 'hash') {
      const seen = hashes.get(o.path);
      if (seen !== undefined && seen !== o.sha256) return undefined;
      hashes.set(o.path, o.sha256);
    } else if (o.kind === 'exists') {
      const seen = exists.get(o.path);
      if (seen !== undefined && seen !== o.value) return undefined;
      exists.set(o.path, o.value);
    } else {
      globs.push({ patterns: o.patterns, ignore: o.ignore, value: o.value });
    }
  }
  const paths: string[] = [];
  const keys: (readonly number[])[] = [];
  const content: [string, string][] = [];
  for (const [path, hash] of hashes) {
    const key = cachedStatNumbers(workspace, path, hash);
    if (key) {
      paths.push(path);
      keys.push(key);
    } else {
      content.push([path, hash]);
    }
  }
  const ids = new Float64Array(paths.length * ID_FIELDS);
  keys.forEach((key, i) => ids.set(key, i * ID_FIELDS));
  return { paths, ids, content, exists: [...exists], globs };
}

/**
 * The bytes of `rel` when every directory on the way is a plain directory and the file a regular file
 * (no symlink: O_NOFOLLOW, fstat of the handle), read synchronously: what `Workspace.readBytes` reads
 * for such a file, without its per-component async lookups. Undefined otherwise: the caller then asks
 * `readBytes`, which applies every rule.
 */
function readPlain(root: string, rel: string, plainDirs: Set<string>): Buffer | undefined {
  if (!plainParents(root, rel, plainDirs)) return undefined;
  let fd: number;
  try {
    fd = openSync(hostPath(root, rel), OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    return info.isFile() && info.size <= CONTENT_LIMIT ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** True when every check still holds in `workspace`; false on any difference or error. */
export async function checksHold(workspace: Workspace, checks: MemoChecks): Promise<boolean> {
  try {
    const { paths, ids } = checks;
    const root = workspace.root;
    const plainDirs = new Set<string>();
    const checkHere = async (from: number, to: number): Promise<boolean> => {
      for (let i = from, o = from * ID_FIELDS; i < to; i += 1, o += ID_FIELDS) {
        const info = plainFileStat(root, paths[i] as string, plainDirs);
        // Size and times first: they are what an edit changes.
        if (
          info === undefined ||
          info.size !== ids[o + 2] ||
          info.mtimeMs !== ids[o + 3] ||
          info.ctimeMs !== ids[o + 4] ||
          info.ino !== ids[o + 1] ||
          info.dev !== ids[o]
        ) {
          return false;
        }
        if ((i - from) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      }
      return true;
    };
    // The lstats are most of a reuse (10,000 files: ~35 ms on one core): shared with the hash pool's
    // workers, as cold hashing is.
    if (!(await statsMatch(root, paths, ids, checkHere))) return false;
    for (const [path, hash] of checks.content) {
      const bytes = readPlain(root, path, plainDirs) ?? (await workspace.readBytes(path, 'assembly memo check', CONTENT_LIMIT));
      if (sha256(bytes) !== hash) return false;
    }
    for (const [path, value] of checks.exists) if ((await workspace.exists(path)) !== value) return false;
    for (const glob of checks.globs) {
      const now = await workspace.glob(glob.patterns, { ignore: glob.ignore });
      if (now.length !== glob.value.length || now.some((p, i) => p !== glob.value[i])) return false;
    }
    return true;
  } catch {
    return false;
  }
}
