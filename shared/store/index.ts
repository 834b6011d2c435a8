/** Opening a pack store from configuration. */
import path from 'node:path';
import { PackStoreUnavailable } from '../errors.js';
import { FilePackStore } from './file-store.js';
import type { PackStore } from './types.js';

export * from './types.js';
export { FilePackStore } from './file-store.js';

export function defaultStoreDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.ctxpack', 'store');
}

/**
 * A store from a spec: `file:DIR` or a bare `DIR` (relative to the current directory). Without a
 * spec: `CTXPACK_STORE`, else `<workspace>/.ctxpack/store`.
 */
export function openPackStore(
  spec: string | undefined,
  options: { workspaceRoot?: string; env?: NodeJS.ProcessEnv } = {},
): PackStore {
  const chosen = spec ?? (options.env ?? process.env)['CTXPACK_STORE'];
  if (chosen === undefined || chosen === '') return new FilePackStore(defaultStoreDir(options.workspaceRoot ?? process.cwd()));
  if (chosen.startsWith('s3://')) {
    throw new PackStoreUnavailable(
      `store ${JSON.stringify(chosen.split('?')[0])}: S3 stores are not available in this version`,
      'use a filesystem store (file:DIR) for now',
      {},
    );
  }
  return new FilePackStore(path.resolve(chosen.startsWith('file:') ? chosen.slice('file:'.length) : chosen));
}
