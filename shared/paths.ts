/**
 * Path rules for everything that names a place in a workspace: pack fields, lock-set globs, tool
 * calls. Paths are workspace-relative POSIX in NFC; anything that could reach outside the workspace
 * or mean different files on different machines is refused with the rule it broke.
 *
 * Pure (no Node APIs): workflow code and the tool gate import it. Symlink checks need the file system
 * and live in `workspace-fs.ts`.
 */
// The POSIX build: the same matching on every OS (no Windows separator handling).
import picomatch from 'picomatch/posix.js';
import { PackPathRejected } from './errors.js';

/** Why a path is refused; stable ids that appear in error messages and denial records. */
export type PathRule =
  | 'empty'
  | 'absolute'
  | 'drive-letter'
  | 'unc'
  | 'backslash'
  | 'dot-dot'
  | 'dot-segment'
  | 'empty-segment'
  | 'nul-byte'
  | 'control-char'
  | 'not-nfc'
  | 'too-long'
  | 'symlink-escape';

export const MAX_PATH_BYTES = 1024;

const FIXES: Record<PathRule, string> = {
  empty: 'give a path relative to the workspace root',
  absolute: 'use a path relative to the workspace root, not an absolute path',
  'drive-letter': 'use a POSIX path relative to the workspace root, without a drive letter',
  unc: 'use a path relative to the workspace root, not a network share',
  backslash: 'use "/" as the separator',
  'dot-dot': "use a path relative to the workspace root, without '..'",
  'dot-segment': "remove './' segments",
  'empty-segment': "remove the doubled '/' (or the trailing '/')",
  'nul-byte': 'remove the NUL character',
  'control-char': 'remove control characters from the path',
  'not-nfc': 'write the path in Unicode NFC (composed) form',
  'too-long': `shorten the path to at most ${MAX_PATH_BYTES} bytes`,
  'symlink-escape': 'point the symlink inside the workspace, or reference the real file inside it',
};

const DESCRIPTIONS: Record<PathRule, string> = {
  empty: 'is empty',
  absolute: 'is absolute',
  'drive-letter': 'has a drive letter',
  unc: 'is a UNC network path',
  backslash: 'contains a backslash',
  'dot-dot': 'escapes the workspace',
  'dot-segment': "has a '.' segment",
  'empty-segment': 'has an empty segment',
  'nul-byte': 'contains a NUL byte',
  'control-char': 'contains a control character',
  'not-nfc': 'is not in Unicode NFC form',
  'too-long': 'is too long',
  'symlink-escape': 'is a symlink that leads outside the workspace',
};

function commonProblem(p: string): PathRule | undefined {
  if (p.length === 0) return 'empty';
  if (p.includes('\u0000')) return 'nul-byte';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(p)) return 'control-char';
  if (new TextEncoder().encode(p).length > MAX_PATH_BYTES) return 'too-long';
  if (/^[\\/]{2}/.test(p)) return 'unc';
  if (/^[A-Za-z]:/.test(p)) return 'drive-letter';
  if (p.startsWith('/')) return 'absolute';
  if (p.includes('\\')) return 'backslash';
  if (p.normalize('NFC') !== p) return 'not-nfc';
  const segments = p.split('/');
  if (segments.includes('..')) return 'dot-dot';
  if (segments.includes('.')) return 'dot-segment';
  if (segments.includes('')) return 'empty-segment';
  return undefined;
}

/** undefined when `p` is a valid workspace-relative POSIX path; otherwise the rule it breaks. */
export function workspacePathProblem(p: string): PathRule | undefined {
  return commonProblem(p);
}

/** The same rules for picomatch globs; glob metacharacters are allowed, `..` still is not. */
export function globProblem(g: string): PathRule | undefined {
  return commonProblem(g);
}

function reject(kind: 'path' | 'glob', value: string, field: string, rule: PathRule): never {
  throw new PackPathRejected(
    `${field}: ${kind} ${JSON.stringify(value)} ${DESCRIPTIONS[rule]} (rule ${rule})`,
    FIXES[rule],
    { field, rule },
  );
}

/** Returns `p` when valid; else throws PackPathRejected naming the field, the path and the rule. */
export function assertWorkspacePath(p: string, field: string): string {
  const rule = workspacePathProblem(p);
  if (rule) reject('path', p, field, rule);
  return p;
}

export function assertWorkspaceGlob(g: string, field: string): string {
  const rule = globProblem(g);
  if (rule) reject('glob', g, field, rule);
  return g;
}

/** The error for a symlink that resolves outside the workspace (raised by `workspace-fs.ts`). */
export function symlinkEscape(p: string, field: string): never {
  return reject('path', p, field, 'symlink-escape');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites host paths inside content (the workspace root, the home directory; with `/` or `\`
 * separators, and as `file://` URLs) to `<workspace>` and `<home>`, so a pack does not depend on
 * where the workspace lives. The root goes first since it usually sits under home. Pure.
 */
export function rewriteHostPaths(
  text: string,
  hosts: { workspaceRoot: string; home?: string | undefined },
): { text: string; count: number } {
  let count = 0;
  let out = text;
  const targets: [string, string][] = [[hosts.workspaceRoot, '<workspace>']];
  if (hosts.home && hosts.home !== '/' && hosts.home.length > 1) targets.push([hosts.home, '<home>']);
  for (const [root, placeholder] of targets) {
    const trimmed = root.replace(/[\\/]+$/, '');
    if (trimmed.length < 2) continue;
    const forward = trimmed.replace(/\\/g, '/');
    const variants = [...new Set([forward, forward.replace(/\//g, '\\')])];
    for (const variant of variants) {
      // A whole path component only: `/home/al` must not rewrite `/home/alice`.
      const pattern = new RegExp(`(?:file://)?${escapeRegExp(variant)}(?![A-Za-z0-9._-])`, 'g');
      out = out.replace(pattern, () => {
        count += 1;
        return placeholder;
      });
    }
  }
  return { text: out, count };
}

export interface LockSetLike {
  readonly write: readonly string[];
  readonly read: readonly string[];
  readonly deny: readonly string[];
}

export type LockRule = 'deny' | 'write' | 'read' | 'not-in-lock-set' | 'read-only';

const matcherCache = new Map<string, (path: string) => boolean>();

/** True when `path` matches any of `globs` (picomatch, dotfiles included). */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => {
    let matcher = matcherCache.get(glob);
    if (!matcher) {
      matcher = picomatch(glob, { dot: true });
      matcherCache.set(glob, matcher);
    }
    return matcher(path);
  });
}

/**
 * What the lock set says about an access: deny beats write, write implies read. Pure, so the tool
 * gate and any workflow-side check agree.
 */
export function lockDecision(lockSet: LockSetLike, path: string, access: 'read' | 'write'): { allowed: boolean; rule: LockRule } {
  if (matchesAny(path, lockSet.deny)) return { allowed: false, rule: 'deny' };
  if (matchesAny(path, lockSet.write)) return { allowed: true, rule: 'write' };
  if (matchesAny(path, lockSet.read)) {
    return access === 'read' ? { allowed: true, rule: 'read' } : { allowed: false, rule: 'read-only' };
  }
  return { allowed: false, rule: 'not-in-lock-set' };
}
