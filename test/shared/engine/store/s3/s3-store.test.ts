/**
 * S3PackStore against a real MinIO server on loopback (one per file, see support/minio.ts). Every
 * network target here is 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ContextPackArtifactCorrupt, PackSchemaInvalid, PackStoreUnavailable } from '../../../../../shared/core/errors.js';
import { sha256, sha256Hex } from '../../../../../shared/engine/hash.js';
import { s3StoreFromSpec } from '../../../../../shared/engine/store/s3-config.js';
import type { S3PackStore } from '../../../../../shared/engine/store/s3-store.js';
import type { StoredEntry } from '../../../../../shared/engine/store/types.js';
import { freePort } from '../../../../tools/minio.js';
import { measureLoads } from './support/measure.js';
import { useMinio } from './support/minio.js';

const minio = useMinio();
const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

async function collect(iterable: AsyncIterable<StoredEntry>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** Every key in the bucket (under `prefix`), sorted. */
async function keysIn(bucket: string, prefix = ''): Promise<string[]> {
  const page = await minio().raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; fix?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Everything a caller, log or workflow history could see of an error. */
const visible = (err: Error & { fix?: string; details?: unknown }): string => `${err.message}\n${err.fix ?? ''}\n${JSON.stringify(err.details)}`;

describe('S3PackStore on MinIO', () => {
  it('round-trips bytes under <prefix>/sha256/<hex>, storing exactly those bytes', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket, { prefix: 'team/packs' });
    const bytes = bytesOf('{"a":1,"é":"ü"}\r\n\u00ff');
    const stored = await store.put(bytes);
    const hex = sha256Hex(bytes);
    expect(stored).toEqual({ hash: `sha256:${hex}`, ref: { store: 's3', key: `sha256/${hex}` }, bytes: bytes.length, created: true });
    expect(Buffer.from(await store.get(stored.hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(await store.has(stored.hash)).toBe(true);
    expect(await keysIn(bucket)).toEqual([`team/packs/sha256/${hex}`]);
  });

  it('works without a prefix, and stores empty bytes', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket);
    const stored = await store.put(new Uint8Array());
    expect(stored.hash).toBe(sha256(''));
    expect((await store.get(stored.hash)).length).toBe(0);
    expect(await keysIn(bucket)).toEqual([`sha256/${sha256Hex('')}`]);
    // delete() probes with a one-byte range, which an empty object cannot satisfy (416): still "there".
    expect(await store.delete(stored.hash)).toBe(true);
    expect(await store.delete(stored.hash)).toBe(false);
  });

  it('sends the SHA-256 with each upload, so the server verifies and keeps it', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket);
    const bytes = bytesOf('checked on arrival');
    const stored = await store.put(bytes);
    const head = await minio().raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `sha256/${sha256Hex(bytes)}`, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumSHA256).toBe(createHash('sha256').update(bytes).digest('base64'));
    expect(stored.created).toBe(true);
    // And the server does refuse bytes that do not match the checksum sent with them:
    const refused = await failure(
      minio().raw.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'damaged', Body: bytes, ChecksumSHA256: createHash('sha256').update('other').digest('base64') }),
      ),
    );
    expect(refused.name).toMatch(/Checksum|Digest/);
    expect(await keysIn(bucket)).toEqual([`sha256/${sha256Hex(bytes)}`]);
  });

  it('is idempotent: a second put of the same bytes creates nothing', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket);
    const bytes = bytesOf('same');
    expect((await store.put(bytes)).created).toBe(true);
    const again = await store.put(bytes);
    expect(again).toMatchObject({ hash: sha256(bytes), created: false, bytes: 4 });
    expect(await keysIn(bucket)).toHaveLength(1);
  });

  it('10 concurrent puts of the same bytes all succeed, exactly one creates, one object', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket);
    const bytes = bytesOf('x'.repeat(300_000));
    const results = await Promise.all(Array.from({ length: 10 }, () => store.put(bytes)));
    expect(new Set(results.map((r) => r.hash))).toEqual(new Set([sha256(bytes)]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await keysIn(bucket)).toEqual([`sha256/${sha256Hex(bytes)}`]);
    expect(Buffer.from(await store.get(sha256(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('detects an object overwritten with other bytes (hash-mismatch), and put repairs it', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket, { prefix: 'p' });
    const bytes = bytesOf('original pack bytes');
    const { hash } = await store.put(bytes);
    await minio().raw.send(new PutObjectCommand({ Bucket: bucket, Key: `p/sha256/${sha256Hex(bytes)}`, Body: bytesOf('tampered') }));

    const err = await failure(store.get(hash));
    expect(err).toBeInstanceOf(ContextPackArtifactCorrupt);
    expect(err.details).toEqual({ hash, actual: sha256('tampered'), reason: 'hash-mismatch' });
    expect(await store.has(hash)).toBe(false);

    // The conditional write is refused (412), the object in the way fails its hash: it is replaced.
    expect((await store.put(bytes)).created).toBe(true);
    expect(Buffer.from(await store.get(hash)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reports a deleted object as missing', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket);
    const { hash } = await store.put(bytesOf('soon gone'));
    await minio().raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: `sha256/${sha256Hex('soon gone')}` }));
    const err = await failure(store.get(hash));
    expect(err).toBeInstanceOf(ContextPackArtifactCorrupt);
    expect(err.code).toBe('ContextPackArtifactCorrupt');
    expect(err.details).toEqual({ hash, reason: 'missing' });
    expect(await store.has(hash)).toBe(false);
  });

  it('lists across pages, only its own prefix and well-formed keys, and deletes', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket, { prefix: 'mine', listPageSize: 2 });
    const other = minio().store(bucket, { prefix: 'theirs' });
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const before = Date.now() - 60_000;
    for (const text of texts) await store.put(bytesOf(text));
    await other.put(bytesOf('not mine'));
    // Foreign objects under our prefix that are not artifacts: never reported (so never garbage-collected).
    for (const key of ['mine/sha256/not-a-hash', `mine/sha256/${sha256Hex('x').toUpperCase()}`, 'mine/README', `mine/sha256/${sha256Hex('y')}/nested`]) {
      await minio().raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytesOf('?') }));
    }

    const listed = await collect(store.list());
    const expected = texts.map((t) => sha256(t)).sort();
    expect(listed.map((e) => e.hash)).toEqual(expected);
    for (const entry of listed) {
      const text = texts.find((t) => sha256(t) === entry.hash) ?? '';
      expect(entry.bytes).toBe(text.length);
      expect(entry.modifiedAt.getTime()).toBeGreaterThan(before);
    }
    expect((await collect(other.list())).map((e) => e.hash)).toEqual([sha256('not mine')]);

    expect(await store.delete(sha256('two'))).toBe(true);
    expect(await store.delete(sha256('two'))).toBe(false);
    expect(await store.has(sha256('two'))).toBe(false);
    expect((await collect(store.list())).map((e) => e.hash)).toEqual(expected.filter((h) => h !== sha256('two')));
    // The other prefix and the foreign objects are untouched.
    expect(await keysIn(bucket, 'theirs/')).toHaveLength(1);
    expect(await keysIn(bucket, 'mine/')).toHaveLength(4 + 4);
  });

  it('lists nothing in an empty bucket', async () => {
    const store = minio().store(await minio().bucket());
    expect(await collect(store.list())).toEqual([]);
  });

  it('rejects crafted hash strings with PackSchemaInvalid before any request', async () => {
    const bucket = await minio().bucket();
    const store = minio().store(bucket, { prefix: 'p' });
    const hex = sha256Hex('a');
    const crafted = [
      '../../etc/passwd',
      'sha256:../../other/sha256/x',
      `sha256:${hex}/../../x`,
      `sha256:${hex.slice(0, 63)}`,
      `sha256:${hex}0`,
      `sha256:${hex.toUpperCase()}`,
      `SHA256:${hex}`,
      hex,
      '',
      `sha256:${hex.slice(0, 62)}%2F`,
    ];
    for (const hash of crafted) {
      await expect(store.get(hash)).rejects.toBeInstanceOf(PackSchemaInvalid);
      await expect(store.has(hash)).rejects.toBeInstanceOf(PackSchemaInvalid);
      await expect(store.delete(hash)).rejects.toBeInstanceOf(PackSchemaInvalid);
      expect(() => store.refFor(hash)).toThrow(PackSchemaInvalid);
    }
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('keeps the endpoint and credentials out of refs, describe() and errors', async () => {
    const { server } = minio();
    const bucket = await minio().bucket();
    const store = minio().store(bucket, { prefix: 'a/b' });
    const stored = await store.put(bytesOf('ref me'));
    const missing = await failure(store.get(sha256('never stored')));
    const noBucket = await failure(minio().store('no-such-bucket-here').get(stored.hash));
    const port = new URL(server.endpoint).port;
    for (const text of [JSON.stringify(stored.ref), JSON.stringify(store.refFor(stored.hash)), store.describe(), visible(missing), visible(noBucket)]) {
      for (const secret of ['127.0.0.1', port, 'http://', server.accessKey, server.secretKey]) expect(text).not.toContain(secret);
    }
    expect(store.describe()).toBe(`s3://${bucket}/a/b`);
    expect(minio().store(bucket).describe()).toBe(`s3://${bucket}`);
    expect(stored.ref).toEqual({ store: 's3', key: `sha256/${sha256Hex('ref me')}` });
  });

  it('missing bucket: PackStoreUnavailable naming the bucket, not retryable, fix says create it', async () => {
    const store = minio().store('ctxpack-absent-bucket');
    for (const attempt of [() => store.put(bytesOf('x')), () => store.get(sha256('x')), () => store.has(sha256('x')), () => store.delete(sha256('x')), () => collect(store.list())]) {
      const err = await failure(attempt());
      expect(err).toBeInstanceOf(PackStoreUnavailable);
      expect(err.message).toContain('"ctxpack-absent-bucket" does not exist');
      expect(err.fix).toMatch(/create the bucket "ctxpack-absent-bucket"/);
      expect(err.details).toMatchObject({ store: 's3', code: 'NoSuchBucket', retryable: false });
    }
  });

  it('bad credentials: PackStoreUnavailable, not retryable, never echoing the key or secret', async () => {
    const bucket = await minio().bucket();
    await minio().store(bucket).put(bytesOf('present'));
    const unknownKey = { AWS_ACCESS_KEY_ID: 'AKIACTXPACKWRONGKEY1', AWS_SECRET_ACCESS_KEY: 'wrong-secret-do-not-echo-1' };
    const wrongSecret = { AWS_ACCESS_KEY_ID: minio().server.accessKey, AWS_SECRET_ACCESS_KEY: 'wrong-secret-do-not-echo-2' };
    for (const [env, code] of [
      [unknownKey, 'InvalidAccessKeyId'],
      [wrongSecret, 'SignatureDoesNotMatch'],
    ] as const) {
      const store = minio().store(bucket, { env });
      for (const attempt of [() => store.get(sha256('present')), () => store.put(bytesOf('new')), () => store.delete(sha256('present')), () => collect(store.list())]) {
        const err = await failure(attempt());
        expect(err).toBeInstanceOf(PackStoreUnavailable);
        expect(err.details).toMatchObject({ store: 's3', httpStatus: 403, retryable: false });
        expect(err.message).toMatch(/credentials|denied/);
        expect(err.fix).toMatch(/AWS_ACCESS_KEY_ID/);
        for (const secret of [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, minio().server.secretKey]) expect(visible(err)).not.toContain(secret);
      }
      expect((await failure(store.get(sha256('present')))).details).toMatchObject({ code });
    }
    // Nothing was written with the bad credentials.
    expect(await keysIn(bucket)).toEqual([`sha256/${sha256Hex('present')}`]);
  });

  it('unreachable endpoint (nobody listening): PackStoreUnavailable, retryable', async () => {
    const port = await freePort();
    const store = minio().store('packs', { endpoint: `http://127.0.0.1:${port}`, connectTimeoutMs: 500, requestTimeoutMs: 1_000 });
    for (const attempt of [() => store.get(sha256('x')), () => store.put(bytesOf('x')), () => store.delete(sha256('x')), () => collect(store.list())]) {
      const err = await failure(attempt());
      expect(err).toBeInstanceOf(PackStoreUnavailable);
      expect(err.details).toMatchObject({ store: 's3', code: 'ECONNREFUSED', retryable: true });
      expect(visible(err)).not.toContain(String(port));
    }
  });

  it('an endpoint that accepts but never answers times out: PackStoreUnavailable, retryable', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const store = minio().store('packs', { endpoint: `http://127.0.0.1:${port}`, connectTimeoutMs: 500, requestTimeoutMs: 500 });
      const started = Date.now();
      const err = await failure(store.get(sha256('x')));
      expect(err).toBeInstanceOf(PackStoreUnavailable);
      expect(err.details).toMatchObject({ code: 'TimeoutError', retryable: true });
      expect(err.message).toMatch(/did not answer in time/);
      // Bounded by the configured limit (generous margin: this is a liveness check, not a benchmark).
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('s3StoreFromSpec opens a working store from s3://bucket/prefix and CTXPACK_S3_* settings', async () => {
    const bucket = await minio().bucket();
    const env = { ...minio().env, CTXPACK_S3_ENDPOINT: minio().server.endpoint };
    const store = s3StoreFromSpec(`s3://${bucket}/from/spec/`, env, { maxAttempts: 1 });
    try {
      expect(store.describe()).toBe(`s3://${bucket}/from/spec`);
      const { hash } = await store.put(bytesOf('via spec'));
      expect(await keysIn(bucket)).toEqual([`from/spec/sha256/${sha256Hex('via spec')}`]);
      expect(new TextDecoder().decode(await store.get(hash))).toBe('via spec');
    } finally {
      await store.close();
    }
  });

  it('measureLoads reports load latency percentiles (numbers only, no timing assertion)', async () => {
    const store: S3PackStore = minio().store(await minio().bucket());
    const hashes: string[] = [];
    for (let i = 0; i < 3; i++) hashes.push((await store.put(bytesOf(`pack ${i} `.repeat(1_000)))).hash);
    const timings = await measureLoads(store, hashes, 20);
    expect(timings.n).toBe(20);
    expect(timings.min).toBeGreaterThan(0);
    expect(timings.min).toBeLessThanOrEqual(timings.p50);
    expect(timings.p50).toBeLessThanOrEqual(timings.p99);
    expect(timings.p99).toBeLessThanOrEqual(timings.max);
    await expect(measureLoads(store, [], 1)).rejects.toThrow(RangeError);
  });
});
