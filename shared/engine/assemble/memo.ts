/**
 * Assembly memo: re-assembling packs whose inputs did not change returns the packs built last time,
 * after checking every input, instead of parsing, redacting, counting tokens and canonicalising again.
 * This is what makes a swap on the reuse path, or `assemble` run twice, cost little more than a stat
 * of each input.
 *
 * Why it is safe: assembly is a deterministic function of what it observes through the workspace
 * (file bytes, file hashes, whether a file exists, glob results) and of the builder version. A run
 * is recorded through a workspace whose reads note each observation; a memo entry is used only when
 * every observation is still true now: each file still hashes the same (via the stat-keyed hash
 * cache, so an unchanged file costs an `lstat` per path component), each `exists` and each glob
 * answers the same. Anything different, or any error while checking (a file gone, a symlink planted),
 * means a full assembly, which then reports the error exactly as before. The memo lives in this
 * process only, bounded in entries and bytes.
 *
 * Node-only (I/O). Not for workflow code.
 */
import { BUILDER_VERSION } from '../builder.js';
import { sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';
import { hashesUnchanged } from './hash-cache/index.js';
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

/** True when every observation still holds; false on any difference or error. */
async function stillHolds(workspace: Workspace, observed: readonly Observation[]): Promise<boolean> {
  try {
    const hashes = new Map<string, string>();
    for (const o of observed) {
      if (o.kind !== 'hash') continue;
      // Read twice with different bytes (changed during that assembly): nothing to trust.
      if (hashes.has(o.path) && hashes.get(o.path) !== o.sha256) return false;
      hashes.set(o.path, o.sha256);
    }
    if (!(await hashesUnchanged(workspace, hashes))) return false;
    for (const o of observed) {
      if (o.kind === 'exists' && (await workspace.exists(o.path)) !== o.value) return false;
      if (o.kind === 'glob') {
        const now = await workspace.glob(o.patterns, { ignore: o.ignore });
        if (now.length !== o.value.length || now.some((p, i) => p !== o.value[i])) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

interface Entry<T> {
  readonly value: T;
  readonly observed: readonly Observation[];
  readonly bytes: number;
}

/** Bounds: entries, and the bytes of the packs they hold. */
const MAX_ENTRIES = 256;
const MAX_BYTES = 64 * 1024 * 1024;

/** Memo statistics, for benchmarks and tests. */
export interface MemoStats {
  hits: number;
  misses: number;
  entries: number;
}

/** A per-process memo of one assembly function. */
export class AssemblyMemo<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T>>();
  private totalBytes = 0;
  readonly stats: MemoStats = { hits: 0, misses: 0, entries: 0 };

  constructor(private readonly sizeOf: (value: T) => number) {}

  /**
   * `build`'s result for `key` in `workspace`: the remembered one if every input it observed last
   * time is unchanged, else a fresh build (recorded for next time). Errors are never remembered.
   */
  async get(workspace: Workspace, key: unknown, build: (view: Workspace) => Promise<T>): Promise<T> {
    const id = JSON.stringify([BUILDER_VERSION, workspace.root, key]);
    // The same assembly already running (100 jobs binding at once): wait for it rather than doing the
    // same work (and holding the same memory) 100 times; its result is then checked like any other.
    const running = this.inflight.get(id);
    if (running) await running.catch(() => undefined);
    const entry = this.entries.get(id);
    if (entry && (await stillHolds(workspace, entry.observed))) {
      this.stats.hits += 1;
      // Most recently used last: the first entries are the ones evicted.
      this.entries.delete(id);
      this.entries.set(id, entry);
      return entry.value;
    }
    this.stats.misses += 1;
    const { view, observed } = recording(workspace);
    const building = build(view);
    this.inflight.set(id, building);
    try {
      const value = await building;
      this.remember(id, { value, observed, bytes: this.sizeOf(value) });
      return value;
    } finally {
      if (this.inflight.get(id) === building) this.inflight.delete(id);
    }
  }

  /** Forgets every entry and zeroes the statistics (tests, benchmarks). */
  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
    Object.assign(this.stats, { hits: 0, misses: 0, entries: 0 });
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
