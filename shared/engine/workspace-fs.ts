/**
 * File access inside a workspace, with the safety checks applied on the real file system: every
 * path is validated by `paths.ts`, and every step of resolving it (each parent, each symlink, each
 * symlink a symlink points to) must stay inside the workspace root. Bytes are read exactly as
 * stored: no CRLF or BOM normalisation.
 *
 * Error messages name the workspace path and the field, never the host path of the root: they can
 * end up in packs, Temporal history and logs.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import type * as nodeFs from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
// The globber is loaded on the first glob: assembly's reuse path (a saved memo answering) never globs.
import type { GlobOptions } from 'tinyglobby';
import { checkHandle, INPUT_LIMITS, inputRejected, readCapped } from './bounded-read.js';
import { PackSourceMissing } from '../core/errors.js';
import type { Sha256 } from './hash.js';
import { assertWorkspaceGlob, assertWorkspacePath, symlinkEscape } from '../core/paths.js';

/** Folders never listed: VCS data, dependencies and the pack store itself. */
const ALWAYS_IGNORED = ['**/.git/**', '**/node_modules/**', '.ctxpack/store/**'];

/** Symlinks followed before a dangling chain is given up on (Linux's own limit is 40). */
const MAX_SYMLINK_HOPS = 40;

// O_NOFOLLOW: the resolved path has no symlinks, so if the last component became one after the check,
// refuse rather than follow it. O_NONBLOCK: opening a FIFO must not hang waiting for a writer (it is
// then refused as not a regular file); it has no effect on regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A workspace root, canonicalised once (realpath), and safe access to the files under it. */
export class Workspace {
  private constructor(
    /** The canonical (realpath) root. A host path: never written into packs, history or errors. */
    readonly root: string,
    /** The root as it was given to `open` (absolute): absolute symlink targets may spell it that way. */
    private readonly givenRoot: string,
  ) {}

  /** Opens a workspace root; throws {@link PackSourceMissing} unless it is an existing directory. */
  static async open(root: string): Promise<Workspace> {
    let real: string;
    try {
      real = await realpath(root);
      if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    } catch {
      // Only the last component: the full path of the root is a host path.
      throw new PackSourceMissing(
        `workspace ${JSON.stringify(path.basename(root))} is not an existing directory`,
        'pass the path of the workspace directory (the folder holding .ctxpack/)',
        {},
      );
    }
    return new Workspace(real, path.resolve(root));
  }

  /** True when host path `real` (already canonical) is the root or under it. */
  private inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep);
  }

  /**
   * The absolute host path (a realpath) of workspace path `rel`, after checking the path rules and
   * that every step of the way stays inside the root: each parent, each symlink, and each symlink a
   * symlink points to. A symlink that points outside is refused with {@link PackPathRejected} rule
   * `symlink-escape`, even when the chain would come back in later or the target does not exist. A
   * missing file is {@link PackSourceMissing} naming `field` and `rel`.
   *
   * The check and the later open are not one atomic step; `readBytes`/`hashFile` open with
   * O_NOFOLLOW so a last component swapped for a symlink in between is refused too.
   */
  async resolve(rel: string, field: string): Promise<string> {
    assertWorkspacePath(rel, field);
    // Resolves the path the way the kernel does, one component at a time, instead of asking
    // realpath(): realpath only reports where a chain ends, not that it passed through `../outside`.
    // `current` is always a symlink-free path inside the root, so '..' is simply its dirname.
    const pending = rel.split('/').reverse();
    let current = this.root;
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.pop() as string;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        // Only link targets bring '..' here (`rel` itself cannot contain it).
        current = path.dirname(current);
        if (!this.inside(current)) symlinkEscape(rel, field);
        continue;
      }
      const candidate = path.join(current, segment);
      let info: Stats;
      try {
        info = await lstat(candidate);
      } catch (err) {
        throw this.missing(rel, field, errnoOf(err));
      }
      if (!info.isSymbolicLink()) {
        if (pending.length > 0 && !info.isDirectory()) throw this.missing(rel, field, 'ENOTDIR');
        current = candidate;
        continue;
      }
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS) throw this.missing(rel, field, 'ELOOP');
      let target: string;
      try {
        target = await readlink(candidate);
      } catch (err) {
        throw this.missing(rel, field, errnoOf(err));
      }
      if (path.isAbsolute(target)) {
        const under = this.relativeToRoot(target);
        if (under === undefined) symlinkEscape(rel, field);
        current = this.root;
        pending.push(...under.split('/').reverse());
      } else {
        // Relative targets are resolved from the link's own directory, which is `current`.
        pending.push(...target.split('/').reverse());
      }
    }
    return current;
  }

  /** The part of absolute `target` under the root (either spelling of it), or undefined when outside. */
  private relativeToRoot(target: string): string | undefined {
    for (const base of [this.root, this.givenRoot]) {
      if (target === base) return '';
      const prefix = base.endsWith(path.sep) ? base : base + path.sep;
      if (target.startsWith(prefix)) return target.slice(prefix.length);
    }
    return undefined;
  }

  private missing(rel: string, field: string, errno: string | undefined): PackSourceMissing {
    const why =
      errno === 'EACCES' || errno === 'EPERM'
        ? 'cannot be read (permission denied)'
        : errno === 'ELOOP'
          ? 'cannot be resolved (symlink loop)'
          : 'does not exist in the workspace';
    // The path is authored data (it may be anything that passes the path rules): only the field names it.
    return new PackSourceMissing(`${field}: the file it names ${why}`, `create the file ${field} names, or correct ${field}`, {
      field,
      ...(errno ? { errno } : {}),
    });
  }

  /**
   * True when `rel` exists (following symlinks, without the escape check: reading it later still
   * refuses an escape). The path rules apply.
   */
  async exists(rel: string): Promise<boolean> {
    assertWorkspacePath(rel, 'path');
    try {
      await stat(path.join(this.root, ...rel.split('/')));
      return true;
    } catch {
      return false;
    }
  }

  /** Opens a resolved regular file for reading; anything else is {@link PackInputRejected}. */
  private async openFile(rel: string, field: string): Promise<FileHandle> {
    const real = await this.resolve(rel, field);
    let handle: FileHandle;
    try {
      handle = await open(real, OPEN_FLAGS);
    } catch (err) {
      // ELOOP here means the last component was swapped for a symlink after resolve() checked it.
      if (errnoOf(err) === 'ELOOP') symlinkEscape(rel, field);
      throw this.missing(rel, field, errnoOf(err));
    }
    // fstat on the open handle, not stat on the path: it describes exactly what will be read.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      // The same typed refusal as every bounded read (bounded-read.ts): a FIFO, device or directory.
      throw inputRejected(field, 'not-regular-file');
    }
    return handle;
  }

  /**
   * The file's bytes exactly as stored (no CRLF, BOM or encoding normalisation), at most `maxBytes`
   * (see bounded-read.ts for the documented limits): a larger file is {@link PackInputRejected}.
   */
  async readBytes(rel: string, field: string, maxBytes: number = INPUT_LIMITS.source): Promise<Buffer> {
    const handle = await this.openFile(rel, field);
    const size = await checkHandle(handle, field, maxBytes);
    try {
      return await readCapped(handle, field, size);
    } finally {
      await handle.close();
    }
  }

  /** The file's sha256 and size, streamed: large files are never held in memory whole. */
  async hashFile(rel: string, field: string): Promise<{ sha256: Sha256; bytes: number }> {
    const handle = await this.openFile(rel, field);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      // autoClose off: the finally below owns the handle, whatever happens to the stream.
      for await (const chunk of handle.createReadStream({ autoClose: false })) {
        const buffer = chunk as Buffer;
        hash.update(buffer);
        bytes += buffer.length;
      }
    } finally {
      await handle.close();
    }
    return { sha256: `sha256:${hash.digest('hex')}`, bytes };
  }

  /**
   * Workspace files matching picomatch `patterns` (dotfiles included; a directory pattern does not
   * expand to its contents, exactly as {@link matchesAny} matches): POSIX paths sorted by UTF-16 code
   * units. `.git`, `node_modules` and `.ctxpack/store` are never listed. Symlinked files are listed
   * only when they resolve to a regular file inside the root; symlinked directories are never
   * descended into (no escapes, no cycles, no duplicate listings). Patterns follow the glob rules
   * ({@link assertWorkspaceGlob}), so `../**` is refused.
   */
  async glob(patterns: readonly string[], options: { ignore?: readonly string[] } = {}): Promise<string[]> {
    patterns.forEach((p, i) => assertWorkspaceGlob(p, `glob.patterns[${i}]`));
    const ignore = options.ignore ?? [];
    ignore.forEach((p, i) => assertWorkspaceGlob(p, `glob.ignore[${i}]`));
    if (patterns.length === 0) return [];
    const { glob: tinyglob } = await import('tinyglobby');
    const files = await tinyglob([...patterns], {
      cwd: this.root,
      dot: true,
      onlyFiles: true,
      expandDirectories: false,
      // "Follow" so symlinked files can be listed; the fs adapter below refuses every symlinked
      // directory and every target outside the root, which the crawler then skips.
      followSymbolicLinks: true,
      fs: this.guardedFs(),
      ignore: [...ALWAYS_IGNORED, ...ignore],
    });
    // Defence in depth: nothing outside the root, whatever the globber made of a pattern.
    const inside = files.filter((f) => f !== '..' && !f.startsWith('../') && !f.startsWith('/'));
    return [...new Set(inside)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * `realpath` for the crawler that fails for symlinked directories and for links {@link resolve}
   * refuses, so `glob` never lists a path that reading would then reject.
   */
  private guardedFs(): NonNullable<GlobOptions['fs']> {
    const refuse = (): NodeJS.ErrnoException => Object.assign(new Error('symlink not followed'), { code: 'ELOOP' });
    const guardedRealpath = (p: string, callback: (err: NodeJS.ErrnoException | null, resolved?: string) => void): void => {
      // The crawler never enters a symlinked directory, so the link's own directory is a real path
      // under the root and `rel` is its workspace path.
      const rel = path.relative(this.root, p).split(path.sep).join('/');
      void this.resolve(rel, 'glob')
        .then(async (real) => ((await stat(real)).isFile() ? real : undefined))
        .catch(() => undefined)
        .then((real) => (real === undefined ? callback(refuse()) : callback(null, real)));
    };
    return { realpath: guardedRealpath as unknown as typeof nodeFs.realpath };
  }
}
