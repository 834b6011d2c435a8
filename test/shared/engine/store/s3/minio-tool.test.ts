/** resolveMinio's lookup order and errors (no build: every case here answers in milliseconds). */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedMinioPath, MINIO_VERSION, MinioUnavailable, resolveMinio } from '../../../../tools/minio.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-minio-tool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fake `minio` that prints what `minio --version` prints. */
async function fakeMinio(file: string, versionLine = 'minio version DEVELOPMENT.GOGET (commit-id=DEVELOPMENT.GOGET)'): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\necho '${versionLine}'\n`);
  await chmod(file, 0o755);
  return file;
}

describe('resolveMinio', () => {
  it('pins a module-proxy pseudo-version', () => {
    expect(MINIO_VERSION).toMatch(/^v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
  });

  it('an unusable MINIO_PATH is an error, not silently skipped', async () => {
    const err = await resolveMinio({ env: { MINIO_PATH: path.join(dir, 'nope') }, build: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinioUnavailable);
    expect((err as MinioUnavailable).message).toMatch(/MINIO_PATH=.* is not a runnable MinIO server/);
  });

  it('prefers MINIO_PATH, then PATH, then the .tools cache', async () => {
    const toolsDir = path.join(dir, 'tools');
    const cached = await fakeMinio(cachedMinioPath(toolsDir));
    await writeFile(`${cached}.version`, `${MINIO_VERSION}\n`);
    const onPath = await fakeMinio(path.join(dir, 'pathbin', 'minio'));
    const explicit = await fakeMinio(path.join(dir, 'explicit', 'minio'));

    expect(await resolveMinio({ toolsDir, env: { MINIO_PATH: explicit, PATH: path.dirname(onPath) } })).toMatchObject({ path: explicit, source: 'env' });
    expect(await resolveMinio({ toolsDir, env: { PATH: path.dirname(onPath) } })).toMatchObject({ path: onPath, source: 'path' });
    expect(await resolveMinio({ toolsDir, env: { PATH: '' } })).toMatchObject({ path: cached, source: 'cache' });
  });

  it('ignores a cached binary built from another version, and says how to build when building is off', async () => {
    const toolsDir = path.join(dir, 'stale-tools');
    const cached = await fakeMinio(cachedMinioPath(toolsDir));
    await writeFile(`${cached}.version`, 'v0.0.0-20200101000000-000000000000\n');
    const lines: string[] = [];
    const err = await resolveMinio({ toolsDir, env: { PATH: '' }, build: false, log: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinioUnavailable);
    expect((err as MinioUnavailable).fix).toMatch(/minio\.ts --install/);
    expect(lines.join('\n')).toMatch(/not v0\.0\.0-.*rebuilding/);
  });

  it('a binary that is not MinIO does not count', async () => {
    const toolsDir = path.join(dir, 'empty-tools');
    const impostor = await fakeMinio(path.join(dir, 'impostor', 'minio'), 'something else 1.0');
    const err = await resolveMinio({ toolsDir, env: { PATH: path.dirname(impostor) }, build: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinioUnavailable);
  });
});
