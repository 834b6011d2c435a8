import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PackSchemaInvalid, PackStoreUnavailable } from '../../shared/errors.js';
import { defaultStoreDir, FilePackStore, openPackStore } from '../../shared/store/index.js';

const workspaceRoot = '/srv/ws';

function rootOf(store: unknown): string {
  expect(store).toBeInstanceOf(FilePackStore);
  return (store as FilePackStore).root;
}

describe('openPackStore', () => {
  it('defaults to <workspace>/.ctxpack/store', () => {
    expect(defaultStoreDir(workspaceRoot)).toBe(path.join(workspaceRoot, '.ctxpack', 'store'));
    expect(rootOf(openPackStore(undefined, { workspaceRoot, env: {} }))).toBe('/srv/ws/.ctxpack/store');
    expect(rootOf(openPackStore('', { workspaceRoot, env: {} }))).toBe('/srv/ws/.ctxpack/store');
    expect(openPackStore(undefined, { workspaceRoot, env: {} }).kind).toBe('file');
  });

  it('honours CTXPACK_STORE when no spec is given, and a spec over it', () => {
    const env = { CTXPACK_STORE: 'file:/var/packs' };
    expect(rootOf(openPackStore(undefined, { workspaceRoot, env }))).toBe('/var/packs');
    expect(rootOf(openPackStore('/opt/other', { workspaceRoot, env }))).toBe('/opt/other');
    expect(rootOf(openPackStore(undefined, { workspaceRoot, env: { CTXPACK_STORE: '' } }))).toBe('/srv/ws/.ctxpack/store');
  });

  it('resolves file:DIR and bare DIR against the current directory', () => {
    expect(rootOf(openPackStore('file:packs', { workspaceRoot, env: {} }))).toBe(path.resolve('packs'));
    expect(rootOf(openPackStore('packs/store', { workspaceRoot, env: {} }))).toBe(path.resolve('packs/store'));
    expect(rootOf(openPackStore('file:///abs/store', { workspaceRoot, env: {} }))).toBe('/abs/store');
  });

  it('refuses s3:// clearly, without echoing the URL (it may carry credentials)', () => {
    for (const spec of ['s3://AKIAEXAMPLE:secret@bucket/prefix', 'S3://bucket']) {
      const error = (() => {
        try {
          openPackStore(spec, { workspaceRoot, env: {} });
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(PackStoreUnavailable);
      expect((error as Error).message).toMatch(/S3 pack stores .* not available/);
      expect((error as Error).message).not.toContain('secret');
      expect((error as Error).message).not.toContain('bucket');
      expect((error as PackStoreUnavailable).fix).toMatch(/file:DIR/);
    }
    expect(() => openPackStore(undefined, { workspaceRoot, env: { CTXPACK_STORE: 's3://b' } })).toThrow(/CTXPACK_STORE: S3/);
  });

  it('refuses other URL schemes and an empty file: spec', () => {
    expect(() => openPackStore('gs://bucket', { workspaceRoot, env: {} })).toThrow(PackSchemaInvalid);
    expect(() => openPackStore('file:', { workspaceRoot, env: {} })).toThrow(PackSchemaInvalid);
  });
});
