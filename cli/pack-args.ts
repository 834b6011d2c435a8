/** Argument handling shared by the pack commands: stores, workspaces, and "hash or file" arguments. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HASH_PATTERN } from '../shared/hash.js';
import { loadPack, verifyPackBytes, type VerifiedPack } from '../shared/pack-io.js';
import { openPackStore, type PackStore } from '../shared/store/index.js';
import { PackSourceMissing } from '../shared/errors.js';

export function storeFor(options: { store?: string; workspace?: string }): PackStore {
  return openPackStore(options.store, { workspaceRoot: path.resolve(options.workspace ?? '.') });
}

/** A `sha256:` hash is looked up in the store; anything else is read as a pack file. */
export async function loadPackArg(arg: string, store: PackStore): Promise<VerifiedPack> {
  if (HASH_PATTERN.test(arg)) return loadPack(store, arg);
  let bytes: Buffer;
  try {
    bytes = await readFile(arg);
  } catch {
    throw new PackSourceMissing(
      `${JSON.stringify(arg)} is neither a sha256:<64 hex> pack hash nor a readable file`,
      'pass a pack hash printed by ctxpack assemble, or the path of a pack file',
      { arg },
    );
  }
  return verifyPackBytes(bytes);
}
