/**
 * The cache file: bounded loading (a malformed file is an empty cache), the size cap, and debounced,
 * atomic saving (temp file and rename; the last writer wins, a lost entry only costs a re-hash).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { INPUT_LIMITS, readBoundedFile } from '../../bounded-read.js';
import { FLUSH_DELAY_MS, MAX_ENTRIES, type CacheState, type Entry } from './state.js';

export function record(state: CacheState, rel: string, entry: Entry): void {
  // Delete first, so the Map's order is "oldest recorded first" for the size cap.
  state.entries.delete(rel);
  state.entries.set(rel, entry);
  while (state.entries.size > MAX_ENTRIES) state.entries.delete(state.entries.keys().next().value as string);
  scheduleFlush(state);
}

export function scheduleFlush(state: CacheState): void {
  state.dirty = true;
  if (!state.writable) return;
  // Debounced: a cold assembly of 10,000 files writes the file once, 100-200 ms after its last new
  // entry. A change only sets a flag; the one timer looks at it when it fires (moving the timer
  // along on every entry, with refresh(), cost about as much as recording the entries).
  state.changedSinceArmed = true;
  if (!state.timer) arm(state);
}

function arm(state: CacheState): void {
  state.changedSinceArmed = false;
  state.timer = setTimeout(() => {
    if (state.changedSinceArmed) {
      arm(state);
      return;
    }
    state.timer = undefined;
    void flush(state);
  }, FLUSH_DELAY_MS);
}

/**
 * The file's shape: `{ "version": 2, "entries": { "<path>": ["dev:ino:size:mtimeMs:ctimeMs", "<hex>"] } }`
 * (version 1, in `file-hashes.v1.json`, keyed by nanoseconds).
 */
interface SavedCache {
  readonly version: 2;
  readonly entries: Record<string, readonly [string, string]>;
}

/** What versions before 2 saved (keys in nanoseconds). */
const LEGACY_FILE = 'file-hashes.v1.json';
/** Cache folders whose legacy file this process has removed (or found absent). */
const legacyRemoved = new Set<string>();
/** Integers, and times with a fraction (what JavaScript writes for a double below 1e21). */
const KEY_PATTERN = /^\d+:\d+:\d+:\d+(?:\.\d+)?:\d+(?:\.\d+)?$/;
const HEX_PATTERN = /^[0-9a-f]{64}$/;

/** Well-formed entries of a saved cache; anything malformed is left out (a whole bad file: none). */
function parseSaved(text: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 2) return out;
  const entries = (raw as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null) return out;
  for (const [rel, value] of Object.entries(entries)) {
    if (!Array.isArray(value) || value.length !== 2) continue;
    const [key, hex] = value as unknown[];
    if (typeof key === 'string' && KEY_PATTERN.test(key) && typeof hex === 'string' && HEX_PATTERN.test(hex)) {
      out.set(rel, { key, hex });
    }
  }
  return out;
}

export async function load(state: CacheState): Promise<void> {
  try {
    // Bounded and non-blocking: a cache file replaced by a FIFO or a device is ignored, not waited on.
    state.entries = parseSaved((await readBoundedFile(state.file, 'the hash cache', INPUT_LIMITS.cache, { noFollow: true })).toString('utf8'));
  } catch {
    state.entries = new Map();
  }
}

// A plain path needs no JSON escaping (letters, digits, `._-/` only), nor does a key or a hex hash.
const NO_ESCAPE = /^[A-Za-z0-9._/-]*$/;

/**
 * The cache file's text: the {@link SavedCache} JSON, written piece by piece rather than through an
 * object of 10,000 keys (which costs more to build and to stringify than the text itself).
 */
function serialize(entries: ReadonlyMap<string, Entry>): string {
  const parts: string[] = ['{"version":2,"entries":{'];
  let first = true;
  for (const [rel, entry] of entries) {
    const name = NO_ESCAPE.test(rel) ? `"${rel}"` : JSON.stringify(rel);
    parts.push(`${first ? '' : ','}${name}:["${entry.key}","${entry.hex}"]`);
    first = false;
  }
  parts.push('}}');
  return parts.join('');
}

export async function flush(state: CacheState): Promise<void> {
  // One writer at a time per process; a flush asked for meanwhile runs after it.
  while (state.flushing) await state.flushing;
  if (!state.dirty || !state.writable) return;
  state.dirty = false;
  const body = serialize(state.entries);
  const temp = `${state.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  state.flushing = (async () => {
    try {
      // No mkdir: the stamp made the folder, and a workspace deleted meanwhile must stay deleted.
      await writeFile(temp, body);
      await rename(temp, state.file); // readers see the old file or the new one, never a torn one
      // The nanosecond-keyed file of earlier versions is never read again: removed on the first save.
      if (!legacyRemoved.has(state.dir)) {
        legacyRemoved.add(state.dir);
        await rm(path.join(state.dir, LEGACY_FILE), { force: true }).catch(() => {});
      }
    } catch {
      await rm(temp, { force: true }).catch(() => {});
    }
  })();
  try {
    await state.flushing;
  } finally {
    state.flushing = undefined;
  }
}
