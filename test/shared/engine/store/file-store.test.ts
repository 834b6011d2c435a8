import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ContextPackArtifactCorrupt, PackSchemaInvalid } from '../../../../shared/core/errors.js';
import { sha256, sha256Hex } from '../../../../shared/engine/hash.js';
import { FilePackStore, type StoredEntry } from '../../../../shared/engine/store/index.js';

const run = promisify(execFile);

async function freshStore(): Promise<FilePackStore> {
  return new FilePackStore(path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-store-')), 'store'));
}

function artifactPath(store: FilePackStore, hex: string): string {
  return path.join(store.root, 'sha256', hex.slice(0, 2), hex);
}

/** Every file under `dir`, relative, sorted (empty when `dir` does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function collect(iterable: AsyncIterable<StoredEntry>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('FilePackStore', () => {
  it('round-trips bytes and files them under sha256/<2 hex>/<hex>', async () => {
    const store = await freshStore();
    const bytes = bytesOf('{"a":1,"é":"ü"}');
    const stored = await store.put(bytes);
    const hex = sha256Hex(bytes);
    expect(stored).toEqual({ hash: `sha256:${hex}`, ref: { store: 'file', key: `sha256/${hex}` }, bytes: bytes.length, created: true });
    expect(Buffer.from(await store.get(stored.hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(await filesUnder(store.root)).toEqual([path.join('sha256', hex.slice(0, 2), hex)]);
    expect(await store.has(stored.hash)).toBe(true);
  });

  it('stores the exact bytes, so sha256sum of the file equals its name', async () => {
    const store = await freshStore();
    const stored = await store.put(bytesOf('line one\r\nline two\n\u00ff'));
    const hex = stored.hash.slice('sha256:'.length);
    const { stdout } = await run('sha256sum', [artifactPath(store, hex)]);
    expect(stdout.split(' ')[0]).toBe(hex);
  });

  it('stores empty bytes', async () => {
    const store = await freshStore();
    const stored = await store.put(new Uint8Array());
    expect(stored.hash).toBe(sha256(''));
    expect((await store.get(stored.hash)).length).toBe(0);
  });

  it('is idempotent: a second put of the same bytes creates nothing', async () => {
    const store = await freshStore();
    const bytes = bytesOf('same');
    expect((await store.put(bytes)).created).toBe(true);
    const again = await store.put(bytes);
    expect(again.created).toBe(false);
    expect(again.hash).toBe(sha256(bytes));
    expect(await filesUnder(store.root)).toHaveLength(1);
  });

  it('20 concurrent puts of the same bytes all succeed, exactly one creates, one artifact, no temp files', async () => {
    const store = await freshStore();
    const bytes = bytesOf('x'.repeat(200_000));
    const results = await Promise.all(Array.from({ length: 20 }, () => store.put(bytes)));
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const hex = sha256Hex(bytes);
    expect(await filesUnder(store.root)).toEqual([path.join('sha256', hex.slice(0, 2), hex)]);
    expect(Buffer.from(await store.get(`sha256:${hex}`)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('concurrent puts of different bytes all land', async () => {
    const store = await freshStore();
    const payloads = Array.from({ length: 30 }, (_, i) => bytesOf(`payload ${i}`));
    await Promise.all(payloads.map((p) => store.put(p)));
    const listed = (await collect(store.list())).map((e) => e.hash);
    expect(listed).toEqual(payloads.map((p) => sha256(p)).sort());
    expect(await filesUnder(path.join(store.root, 'tmp'))).toEqual([]);
  });

  it('detects a corrupted byte: ContextPackArtifactCorrupt, reason hash-mismatch, naming the hash and a fix', async () => {
    const store = await freshStore();
    const stored = await store.put(bytesOf('{"pack":true}'));
    const file = artifactPath(store, stored.hash.slice(7));
    const damaged = await readFile(file);
    damaged[3] = (damaged[3] ?? 0) ^ 0x01;
    await writeFile(file, damaged);

    const error = await store.get(stored.hash).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ContextPackArtifactCorrupt);
    const corrupt = error as ContextPackArtifactCorrupt;
    expect(corrupt.details).toMatchObject({ hash: stored.hash, reason: 'hash-mismatch', actual: sha256(damaged) });
    expect(corrupt.message).toContain(stored.hash);
    expect(corrupt.fix).toMatch(/regenerate/);
    expect(corrupt.fix).toMatch(/ctxpack verify/);
    expect(corrupt.message).not.toContain(store.root);
    expect(await store.has(stored.hash)).toBe(false);
  });

  it('repairs a corrupted artifact when the good bytes are put again', async () => {
    const store = await freshStore();
    const bytes = bytesOf('{"pack":"repair me"}');
    const stored = await store.put(bytes);
    await writeFile(artifactPath(store, stored.hash.slice(7)), 'garbage');
    expect((await store.put(bytes)).created).toBe(true);
    expect(Buffer.from(await store.get(stored.hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(await filesUnder(path.join(store.root, 'tmp'))).toEqual([]);
  });

  it('reports a deleted file as ContextPackArtifactCorrupt, reason missing', async () => {
    const store = await freshStore();
    const stored = await store.put(bytesOf('soon gone'));
    await rm(artifactPath(store, stored.hash.slice(7)));
    const error = await store.get(stored.hash).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ContextPackArtifactCorrupt);
    expect((error as ContextPackArtifactCorrupt).details).toEqual({ hash: stored.hash, reason: 'missing' });
    expect((error as ContextPackArtifactCorrupt).fix).toMatch(/regenerate the pack/);
    expect(await store.has(stored.hash)).toBe(false);
  });

  it('reports a hash never stored, and any hash in a store that does not exist yet, as missing', async () => {
    const store = await freshStore();
    await expect(store.get(sha256('never'))).rejects.toMatchObject({ details: { reason: 'missing' } });
    expect(await store.has(sha256('never'))).toBe(false);
    expect(await store.delete(sha256('never'))).toBe(false);
    expect(await collect(store.list())).toEqual([]);
  });

  it.each([
    ['a path traversal', '../../etc/passwd', 'does not start with "sha256:"'],
    ['a traversal after the prefix', 'sha256:../../../../etc/passwd', 'not a hex digit'],
    ['63 hex digits', `sha256:${'a'.repeat(63)}`, 'has 63 hex digits'],
    ['65 hex digits', `sha256:${'a'.repeat(65)}`, 'has 65 hex digits'],
    ['uppercase hex', `sha256:${'A'.repeat(64)}`, 'uppercase'],
    ['a bare hex digest', 'a'.repeat(64), 'does not start with "sha256:"'],
    ['another algorithm', `sha512:${'a'.repeat(64)}`, 'does not start with "sha256:"'],
    ['a trailing newline', `sha256:${'a'.repeat(64)}\n`, 'not a hex digit'],
    ['an empty string', '', 'does not start with "sha256:"'],
  ])('rejects %s as a hash with PackSchemaInvalid, before touching the disk', async (_label, hash, problem) => {
    const store = new FilePackStore('/nonexistent/store/never/created');
    for (const attempt of [() => store.get(hash), () => store.has(hash), () => store.delete(hash), async () => store.refFor(hash)]) {
      const error = await attempt().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(PackSchemaInvalid);
      expect((error as Error).message).toContain(problem);
      expect((error as PackSchemaInvalid).fix).toContain('64 lowercase hex');
    }
  });

  it('lists every artifact with its size and modification time, and deletes them', async () => {
    const store = await freshStore();
    const a = await store.put(bytesOf('aaaa'));
    const b = await store.put(bytesOf('bb'));
    const when = new Date('2030-01-02T03:04:05Z');
    await utimes(artifactPath(store, a.hash.slice(7)), when, when);
    // Strays the store did not write are not reported.
    await mkdir(path.join(store.root, 'sha256', 'zz'), { recursive: true });
    await writeFile(path.join(store.root, 'sha256', 'zz', 'not-a-hash'), 'x');
    await writeFile(path.join(store.root, 'sha256', a.hash.slice(7, 9), `${'0'.repeat(64)}`), 'misfiled');

    const listed = await collect(store.list());
    expect(listed.map((e) => e.hash)).toEqual([a.hash, b.hash].sort());
    const entryA = listed.find((e) => e.hash === a.hash);
    expect(entryA?.bytes).toBe(4);
    expect(entryA?.modifiedAt.toISOString()).toBe(when.toISOString());
    expect(listed.find((e) => e.hash === b.hash)?.bytes).toBe(2);

    expect(await store.delete(a.hash)).toBe(true);
    expect(await store.delete(a.hash)).toBe(false);
    expect(await store.has(a.hash)).toBe(false);
    expect((await collect(store.list())).map((e) => e.hash)).toEqual([b.hash]);
  });

  it('gives refs without host paths and describes itself relative to the working directory', async () => {
    const store = await freshStore();
    const ref = store.refFor(sha256('x'));
    expect(ref).toEqual({ store: 'file', key: `sha256/${sha256Hex('x')}` });
    expect(JSON.stringify(ref)).not.toContain(store.root);
    expect(store.describe()).toBe(`file:${store.root}`);
    expect(new FilePackStore('.ctxpack/store').describe()).toBe('file:.ctxpack/store');
    expect(new FilePackStore(process.cwd()).describe()).toBe('file:.');
    expect(new FilePackStore('rel/dir').root).toBe(path.join(process.cwd(), 'rel/dir'));
  });
});
