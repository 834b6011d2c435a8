/**
 * The filesystem PackStore: `<root>/sha256/<hex[0..2]>/<hex>`, holding exactly the canonical bytes,
 * so `sha256sum` of a stored file equals its name. Writes go to `<root>/tmp/` and are renamed into
 * place after fsync: readers see a whole artifact or none.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ContextPackArtifactCorrupt, PackSchemaInvalid, PackStoreUnavailable } from '../errors.js';
import { HASH_PATTERN, sha256, type Sha256 } from '../hash.js';
import type { PackStore, StoredArtifact, StoreRef } from './types.js';

function checkHash(hash: string): string {
  if (!HASH_PATTERN.test(hash)) {
    throw new PackSchemaInvalid(
      `${JSON.stringify(hash.slice(0, 80))} is not a pack hash`,
      'pass "sha256:" followed by 64 lowercase hex digits, as ctxpack assemble prints it',
      {},
    );
  }
  return hash.slice('sha256:'.length);
}

function storeFailure(action: string, err: unknown): PackStoreUnavailable {
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
  const fixes: Record<string, string> = {
    ENOSPC: 'free disk space on the store volume, then retry',
    EROFS: 'the store is on a read-only file system: point --store / CTXPACK_STORE at a writable directory',
    EACCES: 'make the store directory writable for this user, or choose another with --store / CTXPACK_STORE',
    EPERM: 'make the store directory writable for this user, or choose another with --store / CTXPACK_STORE',
    ENOTDIR: 'a file stands where the store directory should be: choose another store directory',
  };
  return new PackStoreUnavailable(`cannot ${action} the pack store (${code})`, fixes[code] ?? 'check the store directory and retry', {
    errno: code,
  });
}

export class FilePackStore implements PackStore {
  readonly kind = 'file' as const;

  constructor(readonly root: string) {}

  private fileFor(hex: string): string {
    return path.join(this.root, 'sha256', hex.slice(0, 2), hex);
  }

  refFor(hash: string): StoreRef {
    return { store: 'file', key: `sha256/${checkHash(hash)}` };
  }

  describe(): string {
    const relative = path.relative(process.cwd(), this.root);
    return `file:${relative && !relative.startsWith('..') ? relative : this.root}`;
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const hash = sha256(bytes);
    const hex = hash.slice('sha256:'.length);
    const target = this.fileFor(hex);
    const artifact = (created: boolean): StoredArtifact => ({ hash, ref: this.refFor(hash), bytes: bytes.length, created });
    if (await this.intact(target, hash)) return artifact(false);

    const tmpDir = path.join(this.root, 'tmp');
    const temp = path.join(tmpDir, `${hex}.${process.pid}.${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(tmpDir, { recursive: true });
      await mkdir(path.dirname(target), { recursive: true });
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // rename is atomic on one file system; concurrent writers of the same bytes all win.
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw storeFailure('write to', err);
    }
    return artifact(true);
  }

  private async intact(file: string, hash: string): Promise<boolean> {
    try {
      return sha256(await readFile(file)) === hash;
    } catch {
      return false;
    }
  }

  async get(hash: string): Promise<Uint8Array> {
    const hex = checkHash(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.fileFor(hex));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ContextPackArtifactCorrupt(
          `pack ${hash} is missing from the store`,
          'regenerate the pack (ctxpack assemble, or restart the job so it reassembles)',
          { hash, reason: 'missing' },
        );
      }
      throw storeFailure('read from', err);
    }
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new ContextPackArtifactCorrupt(
        `stored pack ${hash} is corrupt: its bytes hash to ${actual}`,
        'delete the damaged artifact and regenerate the pack (ctxpack assemble); run ctxpack verify to check others',
        { hash, actual, reason: 'hash-mismatch' },
      );
    }
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    return this.intact(this.fileFor(checkHash(hash)), hash);
  }

  async *list(): AsyncIterable<{ hash: Sha256; bytes: number; modifiedAt: Date }> {
    const base = path.join(this.root, 'sha256');
    const prefixes = await readdir(base).catch(() => [] as string[]);
    for (const prefix of prefixes.sort()) {
      for (const name of (await readdir(path.join(base, prefix)).catch(() => [] as string[])).sort()) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue;
        const info = await stat(path.join(base, prefix, name));
        yield { hash: `sha256:${name}`, bytes: info.size, modifiedAt: info.mtime };
      }
    }
  }

  async delete(hash: string): Promise<boolean> {
    try {
      await unlink(this.fileFor(checkHash(hash)));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storeFailure('delete from', err);
    }
  }
}
