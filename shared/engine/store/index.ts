/** Opening a pack store from configuration (CLI `--store`, `CTXPACK_STORE`, or the default). */
import path from 'node:path';
import { PackSchemaInvalid } from '../../core/errors.js';
import { FilePackStore } from './file-store.js';
import { s3StoreFromSpec } from './s3-config.js';
import type { PackStore } from './types.js';

export * from './types.js';
export { FilePackStore } from './file-store.js';
export { S3PackStore, type S3PackStoreOptions } from './s3-store.js';
export { parseS3Spec, s3StoreFromSpec, type S3StoreConfig } from './s3-config.js';

/** The default store of a workspace: `<workspace>/.ctxpack/store`. */
export function defaultStoreDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.ctxpack', 'store');
}

/**
 * A store from a spec: `file:DIR` or a bare `DIR` (relative to the current directory). Without a
 * spec (undefined or empty): `CTXPACK_STORE` from `options.env` (default `process.env`), else
 * `<workspaceRoot>/.ctxpack/store` (workspaceRoot defaults to the current directory).
 *
 * `s3://bucket[/prefix]` opens an {@link S3PackStore} configured by the `CTXPACK_S3_*` variables of
 * `options.env` (see {@link parseS3Spec}); its credentials come from that environment or the AWS
 * credential chain, never from the spec. Any other `scheme://` is PackSchemaInvalid rather than being
 * taken for a directory name. No message repeats a URL (it may carry credentials).
 */
export function openPackStore(
  spec: string | undefined,
  options: { workspaceRoot?: string; env?: NodeJS.ProcessEnv } = {},
): PackStore {
  const fromEnv = spec === undefined || spec === '';
  const chosen = fromEnv ? (options.env ?? process.env)['CTXPACK_STORE'] : spec;
  const source = fromEnv ? 'CTXPACK_STORE' : '--store';
  if (chosen === undefined || chosen === '') return new FilePackStore(defaultStoreDir(options.workspaceRoot ?? process.cwd()));

  if (/^s3:\/\//i.test(chosen)) return s3StoreFromSpec(chosen, options.env ?? process.env, { source });
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(chosen)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'file') {
    throw new PackSchemaInvalid(
      `${source}: pack store scheme "${scheme.toLowerCase()}" is not supported`,
      'use file:DIR or a directory path',
      { source, scheme: scheme.toLowerCase() },
    );
  }
  // `file:DIR`, and also `file:///abs/dir` (the extra slashes collapse when resolved).
  const dir = chosen.startsWith('file:') ? chosen.slice('file:'.length) : chosen;
  if (dir === '') {
    throw new PackSchemaInvalid(`${source}: "file:" names no directory`, 'write file:DIR, e.g. file:.ctxpack/store', { source });
  }
  return new FilePackStore(path.resolve(dir));
}
