/**
 * Pack store loads (issue #9's figures): `store.get` latency, p50 and p99, for the filesystem store and
 * for the S3 store on a real MinIO on loopback (built from Go modules into `.tools/`, see
 * test/tools/minio.ts). Every load re-hashes the bytes, as in production. Two pack sizes: a typical
 * work-unit pack (~8 KiB) and a large one (1 MiB).
 *
 * Target: an S3 load of a typical pack stays under 20 ms at p99 on loopback, so reading packs from the
 * shared store never weighs on a model call (seconds). The filesystem store is the baseline.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { FilePackStore, S3PackStore, type PackStore } from '../../shared/engine/store/index.js';
import { startMinio } from '../../test/tools/minio.js';
import { percentile, round } from '../support/stats.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

const TARGET_P99_MS = 20;

/** `count` distinct canonical artifacts of about `size` bytes. */
function artifacts(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) =>
    canonicalBytes({ kind: 'BenchArtifact', n: i, filler: Array.from({ length: Math.ceil(size / 80) }, (_, j) => `line ${j} of artifact ${i}: ${'x'.repeat(48)}`) }),
  );
}

/** Sequential loads cycling through the stored hashes: one load's latency, not the store's throughput. */
async function loads(store: PackStore, hashes: readonly string[], n: number): Promise<number[]> {
  for (const hash of hashes) await store.get(hash); // warm-up: connections, page cache
  const times: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const start = performance.now();
    await store.get(hashes[i % hashes.length] as string);
    times.push(performance.now() - start);
  }
  return times;
}

export const storeLoad: BenchTarget = {
  id: 'store-load',
  title: 'Pack loads: S3 (MinIO on loopback) next to the filesystem store',
  results: ['store-load'],
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const n = ctx.quick ? 40 : 400;
    const dir = path.join(ctx.scratch, 'store-load');
    await mkdir(dir, { recursive: true });
    ctx.log('store-load: starting MinIO (building it from Go modules first if .tools has none)');
    const minio = await startMinio({ dataDir: path.join(dir, 'minio'), log: ctx.log });
    const raw = new S3Client({ region: 'us-east-1', endpoint: minio.endpoint, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
    const s3 = new S3PackStore({
      bucket: 'bench',
      prefix: 'packs',
      endpoint: minio.endpoint,
      forcePathStyle: true,
      env: { AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey },
    });
    try {
      await raw.send(new CreateBucketCommand({ Bucket: 'bench' }));
      const file = new FilePackStore(path.join(dir, 'file-store'));
      const figures: Record<string, number> = {};
      for (const [label, size] of [['8k', 8 * 1024], ['1m', 1024 * 1024]] as const) {
        const items = artifacts(10, size);
        const hashes: string[] = [];
        for (const bytes of items) {
          hashes.push((await file.put(bytes)).hash);
          await s3.put(bytes);
        }
        const fileTimes = await loads(file, hashes, n);
        const s3Times = await loads(s3, hashes, n);
        figures[`file_${label}_p50_ms`] = round(percentile(fileTimes, 50));
        figures[`file_${label}_p99_ms`] = round(percentile(fileTimes, 99));
        figures[`s3_${label}_p50_ms`] = round(percentile(s3Times, 50));
        figures[`s3_${label}_p99_ms`] = round(percentile(s3Times, 99));
      }
      const p99 = figures['s3_8k_p99_ms'] as number;
      return [
        {
          id: 'store-load',
          title: `S3 pack load p99, ~8 KiB pack (${n} sequential loads, re-hashed)`,
          value: p99,
          unit: 'ms',
          target: `<= ${TARGET_P99_MS} ms`,
          baseline: `filesystem store: 8 KiB p50 ${figures['file_8k_p50_ms']} / p99 ${figures['file_8k_p99_ms']} ms; 1 MiB p50 ${figures['file_1m_p50_ms']} / p99 ${figures['file_1m_p99_ms']} ms. S3: 8 KiB p50 ${figures['s3_8k_p50_ms']} ms; 1 MiB p50 ${figures['s3_1m_p50_ms']} / p99 ${figures['s3_1m_p99_ms']} ms`,
          met: p99 <= TARGET_P99_MS,
          rerun: ['npm run bench -- --only store-load'],
          details: { ...figures, loads_per_figure: n, server: 'MinIO built from Go modules, loopback, one node' },
        },
      ];
    } finally {
      await s3.close();
      raw.destroy();
      await minio.stop();
    }
  },
};
