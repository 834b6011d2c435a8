/**
 * Real write failures, not simulated ones. How each is produced:
 *
 * - ENOTDIR: the store root's parent is a FILE. Works for every user, everywhere.
 * - EACCES: the store (or one fan-out directory) is chmod 0o555. Root ignores mode bits, so when the
 *   tests run as root (they do in CI containers) the put runs in a child process that drops to
 *   uid/gid 65534 (nobody) after loading its modules; as a normal user it runs in-process.
 * - ENOSPC and EROFS: a tiny tmpfs (64 KiB) is mounted for the store, then filled past its size, or
 *   remounted read-only. Needs `mount` privileges (root, as on every machine of this project): where
 *   mounting fails these tests fail, saying so, rather than skip and check nothing.
 *
 * Each asserts PackStoreUnavailable with the errno and a fix, and that no partial or temp file is
 * left behind.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PackStoreUnavailable } from '../../../../shared/core/errors.js';
import { sha256Hex } from '../../../../shared/engine/hash.js';
import { FilePackStore } from '../../../../shared/engine/store/index.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const isRoot = process.getuid?.() === 0;
const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `ctxpack-${label}-`));
  // Traversable by the unprivileged child used for EACCES when running as root.
  await chmod(dir, 0o755);
  return dir;
}

interface PutOutcome {
  name: string;
  message: string;
  fix?: string;
  details?: Record<string, unknown>;
}

/**
 * `store.put(text)` as a user that mode bits apply to, reporting the error as plain data. As root,
 * that is a child process running as nobody (65534); otherwise this process.
 */
async function putUnprivileged(storeRoot: string, text: string): Promise<PutOutcome | 'stored'> {
  if (!isRoot) {
    try {
      await new FilePackStore(storeRoot).put(bytesOf(text));
      return 'stored';
    } catch (err) {
      const e = err as PackStoreUnavailable;
      return { name: e.name, message: e.message, fix: e.fix, details: { ...e.details } };
    }
  }
  // The child starts as root, loads tsx and the store module, and only then drops to nobody: a
  // checkout under a private (0700) directory cannot be read by nobody, so loading as nobody would fail.
  const script = `
    import { FilePackStore } from ${JSON.stringify(path.join(REPO, 'shared/engine/store/file-store.ts'))};
    process.setgroups([]);
    process.setgid(65534);
    process.setuid(65534);
    try {
      await new FilePackStore(process.argv[1]).put(new TextEncoder().encode(process.argv[2]));
      console.log(JSON.stringify('stored'));
    } catch (e) {
      console.log(JSON.stringify({ name: e.name, message: e.message, fix: e.fix, details: e.details }));
    }`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, storeRoot, text], {
    cwd: REPO,
  });
  return JSON.parse(stdout) as PutOutcome | 'stored';
}

/** Mounts a tmpfs of `size` at a new directory; throws, saying why, when this host does not allow it. */
const mounted: string[] = [];
async function mountTmpfs(size: string): Promise<string> {
  const dir = await tempDir('tmpfs');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
    mounted.push(dir);
    return dir;
  } catch (err) {
    await rmdir(dir).catch(() => {});
    throw new Error(`these tests need to mount a tmpfs (run as root): ${err instanceof Error ? err.message : String(err)}`);
  }
}

afterAll(async () => {
  for (const dir of mounted) await run('umount', [dir]).catch(() => {});
});

function expectUnavailable(error: unknown, errno: string): PackStoreUnavailable {
  expect(error).toBeInstanceOf(PackStoreUnavailable);
  const e = error as PackStoreUnavailable;
  expect(e.code).toBe('PackStoreUnavailable');
  expect(e.details).toMatchObject({ store: 'file', errno });
  expect(e.message).toContain(errno);
  expect(e.message).toContain('nothing was left behind');
  expect(e.fix.length).toBeGreaterThan(10);
  return e;
}

describe('FilePackStore write failures', () => {
  it('ENOTDIR: a file where the store directory should be', async () => {
    const dir = await tempDir('enotdir');
    await writeFile(path.join(dir, 'not-a-dir'), 'I am a file');
    const store = new FilePackStore(path.join(dir, 'not-a-dir', 'store'));
    const error = await store.put(bytesOf('{"pack":1}')).catch((err: unknown) => err);
    const e = expectUnavailable(error, 'ENOTDIR');
    expect(e.fix).toMatch(/--store|CTXPACK_STORE/);
    // The host path of the store never appears in the message (it reaches Temporal history).
    expect(e.message).not.toContain(dir);
    expect(await filesUnder(dir)).toEqual(['not-a-dir']);
    expect((await stat(path.join(dir, 'not-a-dir'))).isFile()).toBe(true);
  });

  it('EACCES: a read-only (0o555) store directory', async () => {
    const dir = await tempDir('eacces');
    const storeRoot = path.join(dir, 'store');
    await mkdir(storeRoot, { mode: 0o555 });
    await chmod(storeRoot, 0o555);
    const outcome = await putUnprivileged(storeRoot, '{"pack":"denied"}');
    expect(outcome).not.toBe('stored');
    const e = outcome as PutOutcome;
    expect(e.name).toBe('PackStoreUnavailable');
    expect(e.details).toMatchObject({ store: 'file', errno: 'EACCES' });
    expect(e.fix).toMatch(/writable/);
    expect(await filesUnder(storeRoot)).toEqual([]);
  });

  it('EACCES after the temp file is written: the temp file is removed', async () => {
    const dir = await tempDir('eacces-late');
    const storeRoot = path.join(dir, 'store');
    const text = '{"pack":"late failure"}';
    const hex = sha256Hex(text);
    // tmp/ writable, the artifact's fan-out directory not: the write succeeds, publishing fails.
    await mkdir(path.join(storeRoot, 'tmp'), { recursive: true, mode: 0o777 });
    await chmod(path.join(storeRoot, 'tmp'), 0o777);
    await mkdir(path.join(storeRoot, 'sha256', hex.slice(0, 2)), { recursive: true });
    await chmod(path.join(storeRoot, 'sha256', hex.slice(0, 2)), 0o555);
    const outcome = await putUnprivileged(storeRoot, text);
    expect(outcome).toMatchObject({ name: 'PackStoreUnavailable', details: { errno: 'EACCES' } });
    expect(await filesUnder(storeRoot)).toEqual([]);
  });

  it('ENOSPC: a full disk (64 KiB tmpfs) leaves no partial file and the store still works', async () => {
    const storeRoot = path.join(await mountTmpfs('64k'), 'store');
    const store = new FilePackStore(storeRoot);
    const small = await store.put(bytesOf('{"small":true}'));
    const big = new Uint8Array(256 * 1024).fill(0x61);
    const error = await store.put(big).catch((err: unknown) => err);
    const e = expectUnavailable(error, 'ENOSPC');
    expect(e.fix).toMatch(/free disk space/);
    expect(await filesUnder(storeRoot)).toEqual([path.join('sha256', small.hash.slice(7, 9), small.hash.slice(7))]);
    expect(await store.has(`sha256:${sha256Hex(big)}`)).toBe(false);
    // The partial temp file was removed, so the space is back: a put that fits still works.
    const after = await store.put(new Uint8Array(32 * 1024).fill(0x62));
    expect(after.created).toBe(true);
    expect(await store.has(after.hash)).toBe(true);
  });

  it('EROFS: a store on a file system remounted read-only still reads, refuses writes', async () => {
    const fs = await mountTmpfs('1m');
    expect(fs).toBeDefined();
    const storeRoot = path.join(fs, 'store');
    const store = new FilePackStore(storeRoot);
    const kept = await store.put(bytesOf('{"before":"remount"}'));
    await run('mount', ['-o', 'remount,ro', fs]);
    const before = await filesUnder(storeRoot);

    const error = await store.put(bytesOf('{"after":"remount"}')).catch((err: unknown) => err);
    const e = expectUnavailable(error, 'EROFS');
    expect(e.fix).toMatch(/read-only/);
    expect(await filesUnder(storeRoot)).toEqual(before);
    // Idempotent puts of stored bytes need no write, and reads still work.
    expect((await store.put(bytesOf('{"before":"remount"}'))).created).toBe(false);
    expect(new TextDecoder().decode(await store.get(kept.hash))).toBe('{"before":"remount"}');
    await expect(store.delete(kept.hash)).rejects.toMatchObject({ details: { errno: 'EROFS' } });
  });
});
