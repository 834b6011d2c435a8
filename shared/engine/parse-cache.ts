/**
 * Parse results kept by the sha256 of the bytes they were parsed from. A worker reads the same small
 * inputs on every activity: the provider registry on every bind and swap, the role definition and
 * both packs on every model call, the script on every scripted call. Parsing them again (YAML,
 * schema, canonical-form check) is most of what those activities allocate, and under load that
 * garbage is what the worker's heap grows to between collections.
 *
 * Why it is safe: parsing is a deterministic function of the bytes (and of the parse, named in the
 * key), so a result kept under the bytes' hash is the result a new parse would give. The bytes are
 * still read and hashed every time: what changed on disk is a different key, a damaged store artifact
 * still fails its hash check before the cache is consulted. Only successes are kept (an error is
 * raised again by parsing again). Kept values are deep-frozen: they are shared by every later caller,
 * so one caller's change must fail loudly instead of reaching another job.
 *
 * Bounded in entries and in the bytes parsed; least recently used first out. Node-only.
 */

interface Kept {
  readonly value: unknown;
  readonly bytes: number;
}

/** Bounds for one cache: small inputs are the point; a 10,000-entry work unit is not worth holding twice. */
export interface ParseCacheLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Inputs larger than this are parsed every time. */
  readonly maxEntryBytes: number;
}

// Parsed objects take a few times the bytes they came from: 4 MiB of inputs is at most some 20 MB of
// heap, a bound a worker serving many workspaces can live with.
const DEFAULT_LIMITS: ParseCacheLimits = { maxEntries: 256, maxBytes: 4 * 1024 * 1024, maxEntryBytes: 256 * 1024 };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export class ParseCache {
  private readonly kept = new Map<string, Kept>();
  private totalBytes = 0;
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly limits: ParseCacheLimits = DEFAULT_LIMITS) {}

  /**
   * `parse()`'s result for bytes of this `sha256` and `size`, parsed the way `kind` names (a schema,
   * a file: whatever else the result depends on). `parse` must depend on nothing but those.
   */
  get<T>(kind: string, sha256: string, size: number, parse: () => T): T {
    const key = `${kind}\u0000${sha256}`;
    const hit = this.kept.get(key);
    if (hit) {
      this.stats.hits += 1;
      this.kept.delete(key);
      this.kept.set(key, hit);
      return hit.value as T;
    }
    this.stats.misses += 1;
    const value = parse();
    if (size > this.limits.maxEntryBytes) return value;
    deepFreeze(value);
    this.kept.set(key, { value, bytes: size });
    this.totalBytes += size;
    for (const [oldest, victim] of this.kept) {
      if (this.kept.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.kept.delete(oldest);
      this.totalBytes -= victim.bytes;
    }
    return value;
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.kept.clear();
    this.totalBytes = 0;
    this.stats.hits = 0;
    this.stats.misses = 0;
  }
}

/** The process's cache of parsed inputs and verified packs. */
export const parseCache = new ParseCache();
