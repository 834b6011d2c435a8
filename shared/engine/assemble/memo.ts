/**
 * Assembly memo: re-assembling packs whose inputs did not change returns the packs built last time,
 * after checking every input, instead of parsing, redacting, counting tokens and canonicalising again.
 * This is what makes a swap on the reuse path, or `assemble` run twice, cost little more than a stat
 * of each input.
 *
 * Why it is safe: assembly is a deterministic function of what it observes through the workspace
 * (file bytes, file hashes, whether a file exists, glob results) and of the builder version. A run
 * is recorded through a workspace whose reads note each observation; a memo entry is used only when
 * every observation is still true now (memo-checks.ts): each file hashed through the stat-keyed hash
 * cache still has the stat key the cache holds for that hash (one `lstat`), each other file still
 * hashes the same, each `exists` and each glob answers the same. Anything different, or any error
 * while checking (a file gone, a symlink planted), means a full assembly, which then reports the
 * error exactly as before. Entries live in this process, bounded in entries and bytes, and (with a
 * codec) in the workspace's cache folder for the next process (memo-disk.ts), checked the same way.
 *
 * Node-only (I/O). Not for workflow code.
 */
import { BUILDER_VERSION } from '../builder-version.js';
import { sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';
import { checksFor, checksHold, type MemoChecks } from './memo-checks.js';
import { dropAllMemos, dropMemo, loadMemo, saveMemo, type MemoCodec } from './memo-disk.js';
import { recorders, type Observation } from './observations.js';

/**
 * A view of `workspace` that records what assembly observes. Every other member (root, resolve,
 * hashFile...) is the workspace's own, through the prototype.
 */
function recording(workspace: Workspace): { view: Workspace; observed: Observation[] } {
  const observed: Observation[] = [];
  const view = Object.create(workspace, {
    readBytes: {
      // Every parameter passes through: the size cap (bounded-read.ts) must hold in recorded runs too.
      value: async (...args: Parameters<Workspace['readBytes']>) => {
        const [rel] = args;
        const bytes = await workspace.readBytes(...args);
        observed.push({ kind: 'hash', path: rel, sha256: sha256(bytes) });
        return bytes;
      },
    },
    exists: {
      value: async (rel: string) => {
        const value = await workspace.exists(rel);
        observed.push({ kind: 'exists', path: rel, value });
        return value;
      },
    },
    glob: {
      value: async (patterns: readonly string[], options: { ignore?: readonly string[] } = {}) => {
        const value = await workspace.glob(patterns, options);
        observed.push({ kind: 'glob', patterns: [...patterns], ignore: [...(options.ignore ?? [])], value: [...value] });
        return value;
      },
    },
  }) as Workspace;
  recorders.set(view, observed);
  return { view, observed };
}

interface Entry<T> {
  readonly value: T;
  readonly checks: MemoChecks;
  readonly bytes: number;
}

/** Bounds: entries, and the bytes of the packs they hold. */
const MAX_ENTRIES = 256;
const MAX_BYTES = 64 * 1024 * 1024;

/** Memo statistics, for benchmarks and tests. */
export interface MemoStats {
  /** Reuses of an entry this process holds. */
  hits: number;
  /** Reuses of an entry saved on disk (memo-disk.ts), e.g. by an earlier process. */
  diskHits: number;
  /** Full assemblies. */
  misses: number;
  entries: number;
}

/** A per-process memo of one assembly function. */
export class AssemblyMemo<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T>>();
  private totalBytes = 0;
  readonly stats: MemoStats = { hits: 0, diskHits: 0, misses: 0, entries: 0 };

  /** `codec` given: entries are also saved in, and reused from, the workspace's cache folder. */
  constructor(
    private readonly sizeOf: (value: T) => number,
    private readonly codec?: MemoCodec<T>,
  ) {}

  /**
   * `build`'s result for `key` in `workspace`: the remembered one if every input it observed last
   * time is unchanged, else a fresh build (recorded for next time). Errors are never remembered.
   */
  async get(workspace: Workspace, key: unknown, build: (view: Workspace) => Promise<T>): Promise<T> {
    const keyJson = JSON.stringify(key);
    const id = JSON.stringify([BUILDER_VERSION, workspace.root, keyJson]);
    // The same assembly already running (100 jobs binding at once): wait for it rather than doing the
    // same work (and holding the same memory) 100 times; its result is then checked like any other.
    const running = this.inflight.get(id);
    if (running) await running.catch(() => undefined);
    const entry = this.entries.get(id);
    if (entry && (await checksHold(workspace, entry.checks))) {
      this.stats.hits += 1;
      // Most recently used last: the first entries are the ones evicted.
      this.entries.delete(id);
      this.entries.set(id, entry);
      return entry.value;
    }
    const building = this.reuseOrBuild(workspace, id, keyJson, entry === undefined, build);
    this.inflight.set(id, building);
    try {
      return await building;
    } finally {
      if (this.inflight.get(id) === building) this.inflight.delete(id);
    }
  }

  private async reuseOrBuild(workspace: Workspace, id: string, keyJson: string, fromDisk: boolean, build: (view: Workspace) => Promise<T>): Promise<T> {
    // Only when this process holds nothing for the key: an entry that failed its checks means the
    // inputs changed since, and the saved memo (written from the same or an older state) would too.
    if (fromDisk && this.codec) {
      const saved = await loadMemo(workspace, keyJson, this.codec);
      if (saved && (await checksHold(workspace, saved.checks))) {
        this.stats.diskHits += 1;
        this.remember(id, { value: saved.value, checks: saved.checks, bytes: this.sizeOf(saved.value) });
        return saved.value;
      }
    }
    this.stats.misses += 1;
    const { view, observed } = recording(workspace);
    let value: T;
    try {
      value = await build(view);
    } catch (err) {
      // Errors are never remembered, and a saved memo for inputs that now fail is stale.
      if (this.codec) await dropMemo(workspace, keyJson);
      throw err;
    }
    const checks = checksFor(workspace, observed);
    if (checks) {
      this.remember(id, { value, checks, bytes: this.sizeOf(value) });
      // Awaited: a short-lived process (`ctxpack assemble`) must leave the memo behind when it exits.
      if (this.codec) await saveMemo(workspace, keyJson, checks, value, this.codec);
    } else if (this.codec) {
      await dropMemo(workspace, keyJson);
    }
    return value;
  }

  /** Forgets every entry and zeroes the statistics (tests, benchmarks). */
  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
    Object.assign(this.stats, { hits: 0, diskHits: 0, misses: 0, entries: 0 });
  }

  /** Forgets every entry, as {@link clear}, and deletes the memos saved in `workspace`: the next get is a full assembly. */
  async forget(workspace: Workspace): Promise<void> {
    this.clear();
    await dropAllMemos(workspace);
  }

  private remember(id: string, entry: Entry<T>): void {
    const old = this.entries.get(id);
    if (old) {
      this.totalBytes -= old.bytes;
      this.entries.delete(id);
    }
    if (entry.bytes > MAX_BYTES) return;
    this.entries.set(id, entry);
    this.totalBytes += entry.bytes;
    for (const [oldest, victim] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.totalBytes <= MAX_BYTES) break;
      this.entries.delete(oldest);
      this.totalBytes -= victim.bytes;
    }
    this.stats.entries = this.entries.size;
  }
}
