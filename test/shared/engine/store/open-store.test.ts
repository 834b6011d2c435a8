import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PackSchemaInvalid } from '../../../../shared/core/errors.js';
import { defaultStoreDir, FilePackStore, openPackStore, S3PackStore } from '../../../../shared/engine/store/index.js';

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

  it('opens an S3 store for s3://bucket/prefix, configured from the environment it is given', () => {
    const store = openPackStore('s3://team-packs/ctx/packs', { workspaceRoot, env: { CTXPACK_S3_ENDPOINT: 'http://127.0.0.1:9000' } });
    expect(store).toBeInstanceOf(S3PackStore);
    expect(store.kind).toBe('s3');
    expect(store.describe()).toBe('s3://team-packs/ctx/packs');
    const fromEnv = openPackStore(undefined, { workspaceRoot, env: { CTXPACK_STORE: 'S3://team-packs' } });
    expect(fromEnv.describe()).toBe('s3://team-packs');
  });

  it('refuses a credential in an s3:// URL without echoing it, naming where the spec came from', () => {
    for (const [spec, env, source] of [
      ['s3://AKIAEXAMPLE:hunter2secret@bucket/prefix', {}, '--store'],
      [undefined, { CTXPACK_STORE: 's3://AKIAEXAMPLE:hunter2secret@bucket' }, 'CTXPACK_STORE'],
    ] as const) {
      const error = (() => {
        try {
          openPackStore(spec, { workspaceRoot, env });
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(PackSchemaInvalid);
      expect((error as Error).message).toContain(`${source}: an s3:// store URL must not contain credentials`);
      expect(JSON.stringify({ m: (error as Error).message, d: (error as PackSchemaInvalid).details })).not.toMatch(/hunter2|AKIAEXAMPLE/);
      expect((error as PackSchemaInvalid).fix).toMatch(/AWS_ACCESS_KEY_ID/);
    }
    expect(() => openPackStore(undefined, { workspaceRoot, env: { CTXPACK_STORE: 's3://b' } })).toThrow(/CTXPACK_STORE: S3 bucket name "b"/);
  });

  it('refuses other URL schemes and an empty file: spec', () => {
    expect(() => openPackStore('gs://bucket', { workspaceRoot, env: {} })).toThrow(PackSchemaInvalid);
    expect(() => openPackStore('file:', { workspaceRoot, env: {} })).toThrow(PackSchemaInvalid);
  });
});
