/**
 * The filesystem PackStore: `<root>/sha256/<hex[0..2]>/<hex>`, holding exactly the stored bytes, so
 * `sha256sum` of a stored file equals its name.
 *
 * Writes go to `<root>/tmp/<random>`, are fsynced, then hard-linked into place (falling back to
 * rename where the file system has no hard links): a reader sees a whole artifact or none, and the
 * link tells exactly one of several concurrent writers of the same bytes that it created the
 * artifact. Any failure removes the temp file before `PackStoreUnavailable` is thrown.
 *
 * Error messages never contain the store's host path (it usually sits under the workspace root, and
 * these errors reach Temporal history); `describe()` is for humans at the CLI.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { checkHandle, INPUT_LIMITS, inputRejected, readCapped, readFlags } from '../bounded-read.js';
import { PackInputRejected, PackStoreUnavailable } from '../../core/errors.js';
import { HASH_PREFIX, sha256, shortHash, type Sha256 } from '../hash.js';
import { checkedBytes, checkHash, HEX64, missingArtifact } from './hash-key.js';
import type { PackStore, StoredArtifact, StoredEntry, StoreRef } from './types.js';

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a file stands where a directory should be',
  EISDIR: 'a directory stands where a file should be',
  EIO: 'input/output error',
};

const ERRNO_FIX: Record<string, string> = {
  ENOSPC: 'free disk space on the store volume, or point --store / CTXPACK_STORE elsewhere, then retry',
  EDQUOT: 'free space within your disk quota, or point --store / CTXPACK_STORE elsewhere, then retry',
  EROFS: 'the store is on a read-only file system: point --store / CTXPACK_STORE at a writable directory',
  EACCES: 'make the store directory writable for this user, or choose another with --store / CTXPACK_STORE',
  EPERM: 'make the store directory writable for this user, or choose another with --store / CTXPACK_STORE',
  ENOTDIR: 'a file is in the way of the store directory: move it, or choose another with --store / CTXPACK_STORE',
};

/**
 * The PackStoreUnavailable for a failed file-system call. The cause is the errno and the syscall;
 * Node's own message is left out because it contains the host path.
 */
function storeFailure(action: string, err: unknown): PackStoreUnavailable {
  const errno = errnoOf(err) ?? 'unknown';
  const syscall = typeof err === 'object' && err !== null && 'syscall' in err && typeof err.syscall === 'string' ? err.syscall : undefined;
  const text = ERRNO_TEXT[errno];
  return new PackStoreUnavailable(
    `cannot ${action} the file pack store: ${errno}${text ? ` (${text})` : ''}${syscall ? ` in ${syscall}` : ''}${action === 'write to' ? '; nothing was left behind' : ''}`,
    ERRNO_FIX[errno] ?? 'check that the store directory exists and is writable, then retry',
    { store: 'file', errno, ...(syscall ? { syscall } : {}) },
  );
}

/** Errors from link() that mean "no hard links here", not "cannot write". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** A {@link PackStore} in a local directory (see the file comment for the layout and guarantees). */
export class FilePackStore implements PackStore {
  readonly kind = 'file' as const;
  /** Absolute host path of the store directory. Never put into refs, packs or error messages. */
  readonly root: string;

  /** `root` may be relative; it is resolved against the current directory once, here. */
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private fileFor(hex: string): string {
    return path.join(this.root, 'sha256', hex.slice(0, 2), hex);
  }

  refFor(hash: string): StoreRef {
    return { store: 'file', key: `sha256/${checkHash(hash)}` };
  }

  describe(): string {
    const relative = path.relative(process.cwd(), this.root);
    if (relative === '') return 'file:.';
    const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    return `file:${outside ? this.root : relative.split(path.sep).join('/')}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const hash = sha256(bytes);
    const hex = hash.slice(HASH_PREFIX.length);
    const target = this.fileFor(hex);
    const artifact = (created: boolean): StoredArtifact => ({ hash, ref: this.refFor(hash), bytes: bytes.length, created });
    if (await this.holds(target, hash, bytes)) {
      // Storing bytes again is a bind as far as gc is concerned: their age starts over (shared/engine/store/gc.ts).
      await this.refresh(target);
      return artifact(false);
    }

    const tmpDir = path.join(this.root, 'tmp');
    const temp = path.join(tmpDir, `${hex.slice(0, 16)}.${process.pid}.${randomBytes(8).toString('hex')}`);
    let created = true;
    try {
      await ensureDirectory(tmpDir);
      await ensureDirectory(path.dirname(target));
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        // On disk before it becomes visible under its name: a crash never leaves a named, empty file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      created = await this.publish(temp, target, hash, bytes);
      await syncDirectory(path.dirname(target));
    } catch (err) {
      throw storeFailure('write to', err);
    } finally {
      // After link() the temp name is an extra link; after a failure it is a partial file. Either way
      // it goes (force: it may already be gone after rename()).
      await rm(temp, { force: true }).catch(() => {});
    }
    return artifact(created);
  }

  /** Makes the fsynced temp file visible as `target`; true when this call created the artifact. */
  private async publish(temp: string, target: string, hash: string, bytes: Uint8Array): Promise<boolean> {
    try {
      // link() fails with EEXIST instead of replacing: exactly one concurrent writer creates it.
      await link(temp, target);
      return true;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'EEXIST') {
        if (await this.holds(target, hash, bytes)) {
          await this.refresh(target);
          return false;
        }
        // A damaged artifact is in the way: replace it atomically with the good bytes.
        await rename(temp, target);
        return true;
      }
      if (errno !== undefined && NO_HARD_LINKS.has(errno)) {
        // rename() replaces atomically too; concurrent writers of the same bytes all "create" it.
        await rename(temp, target);
        return true;
      }
      throw err;
    }
  }

  /**
   * {@link intact} for a put, which has the bytes: equal bytes are intact ones (they hash to `hash`,
   * which put computed from them), and comparing costs far less than hashing a large pack again.
   */
  private async holds(file: string, hash: string, bytes: Uint8Array): Promise<boolean> {
    try {
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(await this.readArtifact(file, hash));
    } catch {
      return false;
    }
  }

  /** True when `file` exists, is a regular file within the pack limit, and its bytes hash to `hash`. */
  private async intact(file: string, hash: string): Promise<boolean> {
    try {
      return sha256(await this.readArtifact(file, hash)) === hash;
    } catch {
      return false;
    }
  }

  /**
   * An artifact's bytes, read bounded (bounded-read.ts): opened non-blocking without following a
   * symlink, a regular file, at most the pack limit, exactly the size fstat reports. An artifact
   * replaced by a FIFO, a device or a symlink (to `/dev/zero`, say) fails at once.
   */
  private async readArtifact(file: string, hash: string): Promise<Buffer> {
    let handle: FileHandle;
    try {
      handle = await open(file, readFlags({ noFollow: true }));
    } catch (err) {
      // ELOOP: the artifact is a symlink. Not ours: stored artifacts are always regular files.
      if (errnoOf(err) === 'ELOOP') throw inputRejected(`store artifact ${shortHash(hash)}`, 'not-regular-file');
      throw err;
    }
    const field = `store artifact ${shortHash(hash)}`;
    const size = await checkHandle(handle, field, INPUT_LIMITS.pack);
    try {
      return await readCapped(handle, field, size);
    } finally {
      await handle.close();
    }
  }

  /**
   * Sets the artifact's modification time to now: gc judges age by it, so a pack that was just
   * stored again or bound is young whatever its first write. Best effort on a store this user
   * cannot write (read-only, permissions): such a store cannot be collected by this user either.
   */
  private async refresh(file: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(file, now, now);
      return true;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return false;
      if (errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM') return true;
      throw storeFailure('write to', err);
    }
  }

  async touch(hash: string): Promise<boolean> {
    return this.refresh(this.fileFor(checkHash(hash)));
  }

  async get(hash: string): Promise<Uint8Array> {
    const hex = checkHash(hash);
    let bytes: Buffer;
    try {
      bytes = await this.readArtifact(this.fileFor(hex), hash);
    } catch (err) {
      if (err instanceof PackInputRejected) throw err;
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') {
        throw missingArtifact(hash);
      }
      throw storeFailure('read from', err);
    }
    return checkedBytes(hash, bytes);
  }

  async has(hash: string): Promise<boolean> {
    return this.intact(this.fileFor(checkHash(hash)), hash);
  }

  async *list(): AsyncIterable<StoredEntry> {
    const base = path.join(this.root, 'sha256');
    for (const prefix of (await this.readdirOrEmpty(base)).sort()) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of (await this.readdirOrEmpty(path.join(base, prefix))).sort()) {
        // Only artifacts filed under the right prefix: anything else is not ours to report (or delete).
        if (!HEX64.test(name) || !name.startsWith(prefix)) continue;
        let info: Stats;
        try {
          info = await stat(path.join(base, prefix, name));
        } catch (err) {
          if (errnoOf(err) === 'ENOENT') continue; // deleted while we were listing
          throw storeFailure('list', err);
        }
        if (!info.isFile()) continue;
        yield { hash: `${HASH_PREFIX}${name}` as Sha256, bytes: info.size, modifiedAt: info.mtime };
      }
    }
  }

  private async readdirOrEmpty(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return [];
      throw storeFailure('list', err);
    }
  }

  async delete(hash: string): Promise<boolean> {
    const file = this.fileFor(checkHash(hash));
    try {
      await unlink(file);
      return true;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return false;
      throw storeFailure('delete from', err);
    }
  }
}

/**
 * `mkdir -p` that keeps the real errno: Node's `mkdir({ recursive: true })` reports ENOENT instead of
 * EROFS on a read-only file system, which would give the user the wrong fix.
 */
async function ensureDirectory(dir: string): Promise<void> {
  const made = async (): Promise<void> => {
    try {
      await mkdir(dir);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
      // Something exists: fine if it is a directory (perhaps a concurrent put made it).
      if ((await stat(dir)).isDirectory()) return;
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR', syscall: 'mkdir' });
    }
  };
  try {
    await made();
  } catch (err) {
    const parent = path.dirname(dir);
    if (errnoOf(err) !== 'ENOENT' || parent === dir) throw err;
    await ensureDirectory(parent);
    await made();
  }
}

/** fsync a directory so a new entry in it survives a crash; best effort (not every OS allows it). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // EINVAL/EPERM on some file systems: the data itself is already synced.
  } finally {
    await handle.close();
  }
}
