/**
 * Path rules for everything that names a place in a workspace: pack fields, lock-set globs, tool
 * calls. Paths are workspace-relative POSIX in NFC; anything that could reach outside the workspace,
 * or could mean different files on different machines, is refused with the rule it broke.
 *
 * Pure (no Node APIs): workflow code imports it. Glob matching is in `lock-set.ts` (picomatch is
 * loaded only where a glob is matched). Symlink checks need the file system and live in `workspace-fs.ts`.
 */
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
  /** Only raised by `workspace-fs.ts`: the path exists but a symlink on it leads outside the root. */
  | 'symlink-escape';

/** The longest workspace path accepted, in UTF-8 bytes (well under every OS's PATH_MAX). */
export const MAX_PATH_BYTES = 1024;

/** One-line fixes, per rule. None of them mention host paths. */
const FIXES: Record<PathRule, string> = {
  empty: 'give a path relative to the workspace root',
  absolute: 'use a path relative to the workspace root, not an absolute path',
  'drive-letter': 'use a POSIX path relative to the workspace root, without a drive letter',
  unc: 'use a path relative to the workspace root, not a network share',
  backslash: 'use "/" as the separator (in a glob, write a literal metacharacter as a class, e.g. [*])',
  'dot-dot': "use a path relative to the workspace root, without '..'",
  'dot-segment': "remove the './' segments",
  'empty-segment': "remove the doubled or trailing '/'",
  'nul-byte': 'remove the NUL character',
  'control-char': 'remove control characters (C0/C1 controls, DEL, bidi controls) from the path',
  'not-nfc': 'write the path as well-formed Unicode in NFC (composed) form',
  'too-long': `shorten the path to at most ${MAX_PATH_BYTES} UTF-8 bytes`,
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
  'empty-segment': "has an empty segment ('//' or a trailing '/')",
  'nul-byte': 'contains a NUL byte',
  'control-char': 'contains a control character',
  'not-nfc': 'is not well-formed Unicode in NFC form',
  'too-long': `is longer than ${MAX_PATH_BYTES} bytes`,
  'symlink-escape': 'goes through a symlink that leads outside the workspace',
};

// C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate controls: the last group is
// invisible and can make a path display as a different one (the "Trojan Source" trick).
// eslint-disable-next-line no-control-regex
// Every other format character (zero-width, tags, bidi marks: Unicode Cf) and the line separators
// are refused for the same reason: the path would not read as what it names.
const CONTROL = /[\u0001-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;
// An unpaired UTF-16 surrogate: such a string has no UTF-8 form, so it names no file reliably and
// cannot go into a canonical pack (TextEncoder would silently turn it into U+FFFD).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UTF8 = new TextEncoder();

/**
 * The common case, decided by one regex: ASCII letters, digits, `.`, `_` and `-` in `/`-separated
 * segments, none of them `.` or `..`. Such a path breaks no rule below (no control, non-NFC or
 * multi-byte character, no backslash, colon, leading or doubled slash), so the full check is only
 * run for anything else. A 10,000-file work unit checks every path several times on its way into a
 * pack: this is most of what that costs.
 */
const PLAIN_PATH = /^(?!\.\.?(?:\/|$))(?!.*\/\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** True when `p` is a plain workspace path (see PLAIN_PATH): valid without the full check. */
export function isPlainPath(p: string): boolean {
  return p.length <= MAX_PATH_BYTES && PLAIN_PATH.test(p);
}

/** The rules paths and globs share, fast path first. */
function commonProblem(p: string): PathRule | undefined {
  return isPlainPath(p) ? undefined : fullCommonProblem(p);
}

/**
 * The rules paths and globs share, without the fast path (exported for the test that checks the
 * fast path never accepts what these refuse). Order matters: the most specific explanation wins.
 * @internal
 */
export function fullCommonProblem(p: string): PathRule | undefined {
  if (p.length === 0) return 'empty';
  if (p.includes('\u0000')) return 'nul-byte';
  if (CONTROL.test(p)) return 'control-char';
  // Checked early so later regexes never run on a huge string.
  if (p.length > MAX_PATH_BYTES || UTF8.encode(p).length > MAX_PATH_BYTES) return 'too-long';
  // `\\server\share`, `//server/share`, `\\?\C:\x`: before 'absolute' and 'backslash' since it says more.
  if (/^[\\/]{2}/.test(p)) return 'unc';
  // `C:\x`, `c:/x`, `C:x` (drive-relative on Windows): before 'backslash' for the same reason.
  if (/^[A-Za-z]:/.test(p)) return 'drive-letter';
  if (p.startsWith('/')) return 'absolute';
  // A backslash is a separator on Windows and an ordinary character on POSIX: the same string would
  // name different files on different machines.
  if (p.includes('\\')) return 'backslash';
  if (LONE_SURROGATE.test(p) || p.normalize('NFC') !== p) return 'not-nfc';
  const segments = p.split('/');
  if (segments.includes('..')) return 'dot-dot';
  if (segments.includes('.')) return 'dot-segment';
  if (segments.includes('')) return 'empty-segment';
  return undefined;
}

/**
 * `undefined` when `p` is a valid workspace-relative POSIX path: NFC, not absolute, no drive letter,
 * UNC prefix or backslash, no `..`, `.` or empty segments (so no trailing slash), no NUL or control
 * characters, at most {@link MAX_PATH_BYTES} UTF-8 bytes. Otherwise the rule it breaks. Never throws.
 */
export function workspacePathProblem(p: string): PathRule | undefined {
  return commonProblem(p);
}

/**
 * The same rules for lock-set and source globs (picomatch syntax, workspace-relative): glob
 * metacharacters are allowed and `**` segments are fine, but `..` is refused even where brace or
 * extglob expansion would produce it (`{..,src}/**`, `@(..)/x`), since a globber would then walk
 * outside the workspace. Never throws.
 */
export function globProblem(g: string): PathRule | undefined {
  const common = commonProblem(g);
  if (common) return common;
  // Split on every character that separates brace / extglob alternatives as well as on '/'.
  if (g.split(/[/{},()|!]/).includes('..')) return 'dot-dot';
  return undefined;
}

function reject(value: string, field: string, rule: PathRule): never {
  // Only the offending workspace path goes into the message: never a host path (messages reach
  // packs, Temporal history and logs).
  const description = rule === 'empty-segment' && value.endsWith('/') ? "ends with '/'" : DESCRIPTIONS[rule];
  // The value is authored data and may be anything (a token, a host path): the field and rule name it.
  throw new PackPathRejected(`${field}: the path ${description} (rule ${rule})`, FIXES[rule], { field, rule });
}

/**
 * Returns `p` unchanged when it is a valid workspace path; otherwise throws {@link PackPathRejected}
 * whose message names `field` (e.g. `roles.coder.lock_set.write[2]`), the JSON-quoted path and the
 * rule, with a one-line `fix`. `details` carries `{ field, path, rule }`.
 */
export function assertWorkspacePath(p: string, field: string): string {
  const rule = workspacePathProblem(p);
  if (rule) reject(p, field, rule);
  return p;
}

/** {@link assertWorkspacePath} for globs, using {@link globProblem}. */
export function assertWorkspaceGlob(g: string, field: string): string {
  const rule = globProblem(g);
  if (rule) reject(g, field, rule);
  return g;
}

/**
 * Throws the {@link PackPathRejected} for a path that exists but resolves (through a symlink on the
 * file or on any parent) outside the workspace. Raised by `workspace-fs.ts`; here so the wording and
 * fix stay with the other rules.
 */
export function symlinkEscape(p: string, field: string): never {
  return reject(p, field, 'symlink-escape');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A host path only counts as found when it is a whole path: not glued to a longer name on the left
// (`/mnt/home/al` is not `/home/al`) nor on the right (`/home/al` is not `/home/alice`). A '.' is
// allowed after it when it ends a sentence ("lives in /home/al."), not when it starts an extension.
// Nor right after a placeholder: `<home>/home/al` must stay as it is on a second pass (idempotence).
const NAME_CHAR = String.raw`[\p{L}\p{N}\p{M}_~+\-]`;
const BEFORE = String.raw`(?<![\p{L}\p{N}\p{M}_~+\-.\/\\%]|<workspace>|<home>)`;
const AFTER = String.raw`(?!${NAME_CHAR}|\.(?:${NAME_CHAR}|\.))`;

/** The regex alternatives one host path can appear as in text, longest first. */
function hostPathPattern(hostPath: string): RegExp | undefined {
  const forward = hostPath.replace(/\\/g, '/').replace(/\/+$/, '');
  // The file-system root or a bare drive would rewrite every path in the text: never a real workspace.
  if (forward.length < 2 || /^[A-Za-z]:$/.test(forward)) return undefined;
  const drive = /^[A-Za-z]:/.test(forward);
  const literal = (text: string): string => {
    const escaped = escapeRegExp(text);
    // Windows drive letters are case-insensitive and tools print both `C:` and `c:`.
    return drive ? `[${text.charAt(0).toUpperCase()}${text.charAt(0).toLowerCase()}]${escaped.slice(1)}` : escaped;
  };
  const plain = new Set([forward, forward.replace(/\//g, '\\'), forward.replace(/\//g, '\\\\')]);
  // A file URL spells the path percent-encoded (spaces, non-ASCII, '%', '#', '?'); hex digits may be
  // either case.
  const encoded = encodeURI(forward).replace(/#/g, '%23').replace(/\?/g, '%3F');
  const urlPaths = new Set([forward, encoded]);
  const url = [...urlPaths]
    .sort((a, b) => b.length - a.length)
    .map((p) => literal(p).replace(/%([0-9A-F])([0-9A-F])/g, (_, a: string, b: string) => `%[${a}${a.toLowerCase()}][${b}${b.toLowerCase()}]`));
  const alternatives = [
    // `file:///C:/x` has a third slash before the drive; `file:///home/x` gets it from the path.
    `file://${drive ? '/' : ''}(?:${url.join('|')})`,
    ...[...plain].sort((a, b) => b.length - a.length).map(literal),
  ];
  return new RegExp(`${BEFORE}(?:${alternatives.join('|')})${AFTER}`, 'gu');
}

/**
 * Rewrites host paths inside content (the workspace root, then the home directory; written with `/`,
 * `\` or JSON-escaped `\\` separators, or as `file://` URLs) to `<workspace>` and `<home>`, so a pack
 * does not depend on where the workspace lives. The root goes first since it usually sits under home.
 * Idempotent. Pure: the caller passes the host paths. Returns the new text and how many were replaced.
 */
export function rewriteHostPaths(
  text: string,
  hosts: { workspaceRoot: string; home?: string | undefined },
): { text: string; count: number } {
  let count = 0;
  let out = text;
  const targets: [string | undefined, string][] = [
    [hosts.workspaceRoot, '<workspace>'],
    [hosts.home, '<home>'],
  ];
  for (const [hostPath, placeholder] of targets) {
    if (!hostPath) continue;
    const pattern = hostPathPattern(hostPath);
    if (!pattern) continue;
    out = out.replace(pattern, () => {
      count += 1;
      return placeholder;
    });
  }
  return { text: out, count };
}
