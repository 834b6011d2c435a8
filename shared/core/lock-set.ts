/**
 * Matching workspace paths against lock-set globs, and what a lock set decides about an access.
 * Apart from `paths.ts` so the code that only checks paths (a saved assembly memo's reuse, for one)
 * does not load picomatch, about 12 ms of a new process's start.
 *
 * Pure (no Node APIs): workflow code and the tool gate import it.
 */
// The POSIX build of picomatch: it never consults `process.platform`, so a glob matches the same way
// on every OS and inside the workflow sandbox, and it pulls in no Node built-ins.
import picomatch from 'picomatch/posix.js';
import { workspacePathProblem } from './paths.js';

/** The lock set of a role pack, as far as access decisions need it. */
export interface LockSetLike {
  readonly write: readonly string[];
  readonly read: readonly string[];
  readonly deny: readonly string[];
}

/** Which list decided an access ({@link lockDecision}). */
export type LockRule = 'deny' | 'write' | 'read' | 'not-in-lock-set';

/** The outcome of {@link lockDecision}. */
export interface LockDecision {
  readonly allowed: boolean;
  readonly rule: LockRule;
}

// Lock sets are few and reused for every tool call; compiling a glob costs far more than matching.
const MATCHER_CACHE_LIMIT = 1000;
const matcherCache = new Map<string, (path: string) => boolean>();

function matcherFor(glob: string): (path: string) => boolean {
  let matcher = matcherCache.get(glob);
  if (!matcher) {
    // Bounded so a long-running worker fed many distinct globs cannot grow without limit.
    if (matcherCache.size >= MATCHER_CACHE_LIMIT) matcherCache.clear();
    matcher = picomatch(glob, { dot: true });
    matcherCache.set(glob, matcher);
  }
  return matcher;
}

/** True when workspace path `path` matches any of `globs` (picomatch, POSIX, dotfiles included). */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matcherFor(glob)(path));
}

/**
 * What a lock set says about an access: deny beats write beats read; write implies read. `rule` is the
 * list that decided, so a write to a path only in `read` is `{ allowed: false, rule: 'read' }`. A path
 * that breaks the path rules is never in the lock set, whatever the globs say. Pure, so the tool gate
 * and any workflow-side check agree.
 */
export function lockDecision(lockSet: LockSetLike, path: string, access: 'read' | 'write'): LockDecision {
  if (workspacePathProblem(path)) return { allowed: false, rule: 'not-in-lock-set' };
  if (matchesAny(path, lockSet.deny)) return { allowed: false, rule: 'deny' };
  if (matchesAny(path, lockSet.write)) return { allowed: true, rule: 'write' };
  if (matchesAny(path, lockSet.read)) return { allowed: access === 'read', rule: 'read' };
  return { allowed: false, rule: 'not-in-lock-set' };
}
