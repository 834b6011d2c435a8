/**
 * What a recorded assembly observed (file hashes, `exists` answers, glob results), and where the
 * recorders live. Its own module so that the hash cache can report its reads to the memo without the
 * two importing each other.
 */
import type { Workspace } from '../workspace-fs.js';

export type Observation =
  | { readonly kind: 'hash'; readonly path: string; readonly sha256: string }
  | { readonly kind: 'exists'; readonly path: string; readonly value: boolean }
  | { readonly kind: 'glob'; readonly patterns: readonly string[]; readonly ignore: readonly string[]; readonly value: readonly string[] };

export const recorders = new WeakMap<object, Observation[]>();

/** Called by the hash cache for every file hash it hands out, so recorded runs see those reads too. */
export function noteFileHash(workspace: Workspace, path: string, hash: string): void {
  recorders.get(workspace)?.push({ kind: 'hash', path, sha256: hash });
}

