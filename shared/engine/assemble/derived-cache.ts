/**
 * A value computed from packs alone (e.g. what `ctxpack assemble` prints: render hashes, counts),
 * kept in the workspace's cache folder under the packs' hashes, so a reuse that got its packs from the
 * saved memo need not parse them and render them again to print the same thing.
 *
 * Safe because the value is a function of the packs' bytes and of this code only: it is used when the
 * saved key equals `[package version, builder version, ...pack hashes]` exactly and a checksum over
 * key and value matches (a damaged file is recomputed, never used); the caller's guard checks the
 * value's shape too. One file per name, holding the latest key; written atomically (temp + rename).
 * The values are hashes and counts from packs (already redacted): no secret, no host path.
 *
 * Node-only (I/O). Not for workflow code.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { INPUT_LIMITS, readBoundedFile } from '../bounded-read.js';
import { BUILDER_VERSION } from '../builder-version.js';
import { sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';
import { HASH_CACHE_DIR } from './hash-cache/state.js';
import { toolVersion } from './memo-disk.js';

/**
 * `compute()`, or the value saved for the same `hashes` by an earlier run. `name` is a file-name-safe
 * word; `guard` checks a saved value's shape.
 */
export async function derivedFromPacks<T>(
  workspace: Workspace,
  name: string,
  hashes: readonly string[],
  guard: (value: unknown) => value is T,
  compute: () => T | Promise<T>,
): Promise<T> {
  const file = path.join(workspace.root, ...HASH_CACHE_DIR.split('/'), `${name}.v1.json`);
  const key = [toolVersion(), BUILDER_VERSION, ...hashes];
  const checksum = (value: unknown) => sha256(JSON.stringify([key, value]));
  try {
    const saved = JSON.parse((await readBoundedFile(file, `the ${name} cache`, INPUT_LIMITS.definition, { noFollow: true })).toString('utf8')) as {
      key?: unknown;
      value?: unknown;
      check?: unknown;
    };
    if (JSON.stringify(saved.key) === JSON.stringify(key) && saved.check === checksum(saved.value) && guard(saved.value)) return saved.value;
  } catch {
    // missing, unreadable or damaged: computed below
  }
  const value = await compute();
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, JSON.stringify({ key, value, check: checksum(value) }));
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
  return value;
}
