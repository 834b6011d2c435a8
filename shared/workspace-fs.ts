/**
 * File access inside a workspace, with the safety checks applied on the real file system: every
 * path is validated by `paths.ts`, and symlinks (of the file or any parent) must resolve inside the
 * workspace root. Bytes are read exactly as stored: no CRLF or BOM normalisation.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob as tinyglob } from 'tinyglobby';
import { PackSourceMissing } from './errors.js';
import type { Sha256 } from './hash.js';
import { assertWorkspacePath, symlinkEscape } from './paths.js';

/** Folders never listed: VCS data, dependencies and the pack store itself. */
const ALWAYS_IGNORED = ['**/.git/**', '**/node_modules/**', '.ctxpack/store/**'];

export class Workspace {
  private constructor(
    /** The canonical (realpath) root. Never written into packs or history. */
    readonly root: string,
  ) {}

  /** Opens a workspace root; it must be an existing directory. */
  static async open(root: string): Promise<Workspace> {
    let real: string;
    try {
      real = await realpath(root);
      if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new PackSourceMissing(
        `workspace ${JSON.stringify(path.basename(root))} is not an existing directory`,
        'pass the path of the workspace directory (the folder holding .ctxpack/)',
        {},
      );
    }
    return new Workspace(real);
  }

  private inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep);
  }

  /**
   * The absolute host path of workspace path `rel`, after checking the path rules and that it (and
   * every parent) resolves inside the root. Missing: PackSourceMissing naming `field`.
   */
  async resolve(rel: string, field: string): Promise<string> {
    assertWorkspacePath(rel, field);
    const absolute = path.join(this.root, ...rel.split('/'));
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      // A dangling symlink may point outside: report the escape rather than "missing".
      const link = await lstat(absolute).catch(() => undefined);
      if (link?.isSymbolicLink()) symlinkEscape(rel, field);
      throw new PackSourceMissing(`${field}: ${JSON.stringify(rel)} does not exist in the workspace`, `create ${rel} or correct ${field}`, {
        field,
        path: rel,
      });
    }
    if (!this.inside(real)) symlinkEscape(rel, field);
    return real;
  }

  /** True when `rel` exists (following symlinks); the path rules still apply. */
  async exists(rel: string): Promise<boolean> {
    assertWorkspacePath(rel, 'path');
    try {
      await stat(path.join(this.root, ...rel.split('/')));
      return true;
    } catch {
      return false;
    }
  }

  async readBytes(rel: string, field: string): Promise<Buffer> {
    const real = await this.resolve(rel, field);
    await this.assertFile(real, rel, field);
    return readFile(real);
  }

  /** The file's sha256 and size, streamed: large files are never held in memory whole. */
  async hashFile(rel: string, field: string): Promise<{ sha256: Sha256; bytes: number }> {
    const real = await this.resolve(rel, field);
    await this.assertFile(real, rel, field);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(real)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { sha256: `sha256:${hash.digest('hex')}`, bytes };
  }

  /** Workspace files matching the globs: POSIX paths sorted by code unit, symlinked dirs not followed. */
  async glob(patterns: readonly string[], options: { ignore?: readonly string[] } = {}): Promise<string[]> {
    const files = await tinyglob([...patterns], {
      cwd: this.root,
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: [...ALWAYS_IGNORED, ...(options.ignore ?? [])],
    });
    return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async assertFile(real: string, rel: string, field: string): Promise<void> {
    if (!(await stat(real)).isFile()) {
      throw new PackSourceMissing(`${field}: ${JSON.stringify(rel)} is not a regular file`, `point ${field} at a file`, {
        field,
        path: rel,
      });
    }
  }
}
