/**
 * The `--store` option: which pack store a command uses. Apart from pack-args.ts so `ctxpack
 * assemble`'s reuse path does not load the pack schemas that pack-args.ts needs for pack arguments.
 */
import path from 'node:path';
import { openPackStore, type PackStore } from '../shared/engine/store/index.js';

export function storeFor(options: { store?: string; workspace?: string }): PackStore {
  return openPackStore(options.store, { workspaceRoot: path.resolve(options.workspace ?? '.') });
}
