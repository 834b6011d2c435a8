/**
 * The same-tick rule (see "Same-tick edits" in index.ts): a stamp on the file system's own clock,
 * taken before a file is opened, and the test an entry must pass to be stored.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FINE_GRANULARITY_MS, ROUNDING_MARGIN_MS, STAMP_REUSE_MS, WHOLE_SECOND_GRANULARITY_MS, type CacheState, type Stamp, type StatKey } from './state.js';

const STAMP_FILE = 'stamp';

/**
 * The same-tick rule: store only a file whose last change is older than the stamp by more than g (and
 * the rounding margin: times are float milliseconds, see `keyOf`).
 */
export function trustworthy(info: StatKey, stamp: Stamp): boolean {
  const changed = info.mtimeMs > info.ctimeMs ? info.mtimeMs : info.ctimeMs;
  return changed + stamp.granularityMs + ROUNDING_MARGIN_MS < stamp.ms;
}


/**
 * A stamp taken before the file about to be opened (see the file comment); undefined when the cache
 * folder cannot be written. A recent stamp is reused, unless `info` (the file's `lstat`) shows a
 * change too close to it to be stored while a newer stamp would allow it.
 */
export async function currentStamp(state: CacheState, info: StatKey | undefined): Promise<Stamp | undefined> {
  if (!state.writable) return undefined;
  const stamp = state.stamp;
  if (stamp) {
    const age = performance.now() - stamp.takenAt;
    // Without the file's stat (nothing was cached for it) the recent stamp is used as it is: storing
    // still requires the fstat of what was read to be older than the stamp (trustworthy below).
    if (age < STAMP_REUSE_MS && (age < stamp.granularityMs || info === undefined || trustworthy(info, stamp))) return stamp;
  }
  state.stamping ??= (async () => {
    try {
      await mkdir(state.dir, { recursive: true });
      const file = path.join(state.dir, STAMP_FILE);
      await writeFile(file, `${process.pid}\n`);
      const info = await stat(file);
      // A whole second is exact in float milliseconds (seconds x 1000 + 0).
      const granularityMs = info.mtimeMs % 1000 === 0 ? WHOLE_SECOND_GRANULARITY_MS : FINE_GRANULARITY_MS;
      state.stamp = { ms: info.mtimeMs, granularityMs, takenAt: performance.now() };
      return state.stamp;
    } catch {
      state.writable = false;
      return undefined;
    } finally {
      state.stamping = undefined;
    }
  })();
  return state.stamping;
}
