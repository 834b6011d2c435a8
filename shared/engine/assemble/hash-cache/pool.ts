/**
 * Hashing many files on more than one core: a cold assembly of 10,000 files spends most of its time
 * opening, reading and hashing them, which one thread does at the speed of one core. The main thread
 * and a small pool of worker threads take chunks of the same list; each file is read and hashed by
 * one of them exactly as `hashRegularFileSync` does (O_NOFOLLOW | O_NONBLOCK open, fstat of the handle
 * taken before reading, regular files only, 1 MiB chunks). Only the bytes' hash, their count and the
 * fstat key come back; what to do with them (the same-tick rule, storing, delegating failures to
 * `Workspace.hashFile` so errors stay its errors) stays with the caller, in list order. The same
 * workers share the assembly memo's reuse check (`statsMatch`: one lstat per file, compared with the
 * key the memo holds), which for 10,000 files is most of a reuse's time.
 *
 * The workers are started on first use and kept (unref'd: they never keep a process alive); one
 * worker per core beyond the first, at most {@link MAX_WORKERS}, none on a single core. The code they
 * run is a small CommonJS script (below), evaluated: it needs no module graph, so it starts in a few
 * milliseconds and works the same from sources and from dist/.
 *
 * Node-only. Not for workflow code.
 */
import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashRegularFile, hashRegularFileSync } from './file-read.js';
import { OPEN_FLAGS, READ_CHUNK, type StatKey } from './state.js';

/** What one file gave: its hex sha256, the bytes read, and the fstat key of what was read. */
export interface PooledHash {
  readonly hex: string;
  readonly bytes: number;
  readonly info: StatKey;
}

const MAX_WORKERS = 3;
/** Files per chunk: small enough to share the work evenly, large enough that messages cost nothing. */
const CHUNK = 128;
/** The smallest chunk, near the end of a list (see `chunkSize` in hashMany). */
const MIN_CHUNK = 8;
/** Below this many files the pool is not worth a message. */
export const POOL_MIN_FILES = 256;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, fstatSync, lstatSync, openSync, readSync } = require('node:fs');
const path = require('node:path');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(${READ_CHUNK});
function hashOne(real) {
  let fd;
  try { fd = openSync(real, ${OPEN_FLAGS}); } catch { return null; }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return null;
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
      if (n < buffer.length && total === info.size) break;
    }
    return [hash.digest('hex'), total, info.dev, info.ino, info.size, info.mtimeMs, info.ctimeMs];
  } catch { return null; } finally { closeSync(fd); }
}
// The assembly memo's check (statsMatch): what plainFileStat and plainParents (file-read.ts) do, and
// the key compared in the order memo-checks.ts compares it. Any error is a difference.
const NO_ENTRY = { throwIfNoEntry: false };
function statsMatch(root, rels, ids) {
  const host = path.sep === '/' ? (rel) => root + '/' + rel : (rel) => path.join(root, ...rel.split('/'));
  const dirs = new Set();
  try {
    for (let i = 0, o = 0; i < rels.length; i += 1, o += 5) {
      const rel = rels[i];
      const slash = rel.lastIndexOf('/');
      if (slash >= 0 && !dirs.has(rel.slice(0, slash))) {
        const segments = rel.split('/');
        let prefix = '';
        for (let k = 0; k < segments.length - 1; k += 1) {
          prefix = k === 0 ? segments[0] : prefix + '/' + segments[k];
          if (dirs.has(prefix)) continue;
          const dir = lstatSync(host(prefix), NO_ENTRY);
          if (!dir || !dir.isDirectory()) return false;
          dirs.add(prefix);
        }
      }
      const info = lstatSync(host(rel), NO_ENTRY);
      if (!info || !info.isFile() || info.size !== ids[o + 2] || info.mtimeMs !== ids[o + 3] || info.ctimeMs !== ids[o + 4] || info.ino !== ids[o + 1] || info.dev !== ids[o]) return false;
    }
    return true;
  } catch { return false; }
}
parentPort.on('message', (message) => {
  if (message.stats) {
    parentPort.postMessage({ id: message.id, same: statsMatch(message.root, message.rels, message.ids) });
    return;
  }
  // A file is hashed by whoever claims it first (see hashMany); 0 marks one the main thread took.
  const { id, start, paths, claims, owner } = message;
  const results = paths.map((real, i) => (Atomics.compareExchange(claims, start + i, 0, owner) === 0 ? hashOne(real) : 0));
  parentPort.postMessage({ id, results });
});
`;

/** A hashed file, `null` for one that could not be hashed, `0` for one the main thread claimed first. */
type WireResult = [string, number, number, number, number, number, number] | null | 0;

let threads: number | undefined;
const workers: Worker[] = [];
/**
 * Message ids, unique for the life of the process: a worker may still answer a chunk of an earlier
 * call that was taken over (see hashMany); such an answer must never match a chunk of a later call.
 */
let messageId = 0;

/** Worker threads to use; `0` hashes on the main thread only (the bench's one-core figure). */
export function setHashThreads(count: number | undefined): void {
  threads = count;
  while (workers.length > (count ?? Infinity)) void workers.pop()?.terminate();
}

function workerCount(): number {
  if (threads !== undefined) return Math.min(threads, MAX_WORKERS);
  const fromEnv = Number(process.env['CTXPACK_HASH_THREADS']);
  if (process.env['CTXPACK_HASH_THREADS'] !== undefined && Number.isInteger(fromEnv) && fromEnv >= 0) return Math.min(fromEnv, MAX_WORKERS);
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  return Math.max(0, Math.min(cores - 1, MAX_WORKERS));
}

function startWorkers(wanted: number): void {
  while (workers.length < wanted) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    // A worker that dies only loses its work: the main thread does it (see onGone in hashMany and
    // askStats), and later calls start a new one (a dead worker never answers, and nothing may wait for it).
    worker.on('error', () => undefined);
    worker.once('exit', () => {
      const at = workers.indexOf(worker);
      if (at >= 0) workers.splice(at, 1);
    });
    workers.push(worker);
  }
}

/**
 * Calls holding each worker: a worker is referenced while any call waits for it (an unreferenced
 * worker would let the process exit mid-list), and unreferenced when the last one is done, so two
 * calls at once never unreference a worker the other still waits for.
 */
const holds = new Map<Worker, number>();
function hold(worker: Worker): void {
  const n = holds.get(worker) ?? 0;
  if (n === 0) worker.ref();
  holds.set(worker, n + 1);
}
function release(worker: Worker): void {
  const n = (holds.get(worker) ?? 1) - 1;
  if (n > 0) {
    holds.set(worker, n);
    return;
  }
  holds.delete(worker);
  worker.unref();
}

function fromWire(r: Exclude<WireResult, 0>): PooledHash | undefined {
  if (r === null) return undefined;
  return { hex: r[0], bytes: r[1], info: { dev: r[2], ino: r[3], size: r[4], mtimeMs: r[5], ctimeMs: r[6] } };
}

/**
 * Hashes every host path in `reals` (symlink-free paths: the caller checked the directories), the main
 * thread taking chunks alongside the workers. `undefined` for a file that could not be opened or read,
 * or is not a regular file.
 *
 * Workers take chunks from the front of the list, the main thread from the back, and every file is
 * claimed (an atomic compare-and-swap on a shared array) by the one thread that hashes it. When the
 * list is handed out, the main thread walks the chunks workers still hold from their far end and
 * hashes whatever no worker has started, then waits for what they did: no file is hashed twice, and
 * the list ends at most one file after the last thread stops (a large file met last in a worker's
 * chunk no longer leaves the main thread hashing that whole chunk again alone). Waiting for a worker
 * is no worse than reading its file here: a read that never returns would hold this thread as well,
 * and a worker that exits has what it held hashed here.
 */
export async function hashMany(reals: readonly string[]): Promise<(PooledHash | undefined)[]> {
  const out: (PooledHash | undefined)[] = new Array(reals.length);
  const wanted = reals.length >= POOL_MIN_FILES ? workerCount() : 0;
  startWorkers(wanted);
  const claims = new Int32Array(new SharedArrayBuffer(Math.max(1, reals.length) * Int32Array.BYTES_PER_ELEMENT));
  const MAIN = 1;
  const claimHere = (index: number): boolean => Atomics.compareExchange(claims, index, 0, MAIN) === 0;
  // With workers, a large file is read a chunk per event-loop turn, so they are kept fed meanwhile.
  const hashHere = async (index: number): Promise<void> => {
    if (!claimHere(index)) return;
    const real = reals[index] as string;
    out[index] = wanted > 0 ? await hashRegularFile(real, READ_CHUNK) : hashRegularFileSync(real);
  };
  let front = 0;
  let back = reals.length;
  // Chunks shrink as the list runs out (guided scheduling), so the last ones share the work evenly.
  const chunkSize = (): number => Math.max(MIN_CHUNK, Math.min(CHUNK, Math.ceil((back - front) / (4 * (wanted + 1)))));
  const active = workers.slice(0, wanted);
  active.forEach(hold);
  let pending = 0;
  let settle: (() => void) | undefined;
  const inFlightRanges: Map<number, [number, number]>[] = [];
  const listeners = active.map((worker, k) => {
    const owner = MAIN + 1 + k;
    const inFlight = new Map<number, [number, number]>();
    inFlightRanges.push(inFlight);
    const done = (id: number): void => {
      inFlight.delete(id);
      pending -= 1;
      if (pending === 0) settle?.();
    };
    const send = (): void => {
      if (front >= back) return;
      const range: [number, number] = [front, Math.min(back, front + chunkSize())];
      front = range[1];
      const id = messageId++;
      inFlight.set(id, range);
      pending += 1;
      worker.postMessage({ id, start: range[0], paths: reals.slice(range[0], range[1]), claims, owner });
    };
    const onMessage = ({ id, results }: { id: number; results: WireResult[] }): void => {
      const range = inFlight.get(id);
      if (!range) return;
      results.forEach((r, i) => {
        if (r !== 0) out[range[0] + i] = fromWire(r);
      });
      done(id);
      send();
    };
    // A worker that exits loses what it claimed and had not answered: the main thread hashes it.
    const onGone = (): void => {
      for (const [id, [start, end]] of [...inFlight]) {
        for (let i = start; i < end; i += 1) {
          if (Atomics.load(claims, i) === owner || claimHere(i)) out[i] = hashRegularFileSync(reals[i] as string);
        }
        done(id);
      }
    };
    worker.on('message', onMessage);
    worker.once('exit', onGone);
    // Two chunks in flight: the worker never waits for the main thread to hand it the next one.
    send();
    send();
    return () => {
      worker.off('message', onMessage);
      worker.off('exit', onGone);
    };
  });
  try {
    while (back > front) {
      const end = back;
      back = Math.max(front, back - chunkSize());
      for (let i = back; i < end; i += 1) await hashHere(i);
      // Lets worker results (and timers, heartbeats) in between chunks.
      if (active.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // The list is handed out: what no worker has started yet, from the far end of each chunk they hold.
    for (const inFlight of inFlightRanges) {
      for (const [start, end] of [...inFlight.values()].reverse()) for (let i = end - 1; i >= start; i -= 1) await hashHere(i);
    }
    if (pending > 0) await new Promise<void>((resolve) => (settle = resolve));
  } finally {
    listeners.forEach((off) => off());
    active.forEach(release);
  }
  return out;
}

/** Values per path in the key array of {@link statsMatch}: dev, ino, size, mtimeMs, ctimeMs. */
const KEY_FIELDS = 5;

/** A worker's answer for `rels[from, to)`: true or false, or undefined when it exited first. */
function askStats(worker: Worker, root: string, rels: readonly string[], ids: Float64Array, from: number, to: number): Promise<boolean | undefined> {
  const id = messageId++;
  hold(worker);
  return new Promise<boolean | undefined>((resolve) => {
    const finish = (same: boolean | undefined): void => {
      worker.off('message', onMessage);
      worker.off('exit', onGone);
      release(worker);
      resolve(same);
    };
    const onMessage = (message: { id: number; same?: boolean }): void => {
      if (message.id === id) finish(message.same === true);
    };
    const onGone = (): void => finish(undefined);
    worker.on('message', onMessage);
    worker.once('exit', onGone);
    // slice, not subarray: a view would send the whole key array's buffer.
    worker.postMessage({ id, stats: true, root, rels: rels.slice(from, to), ids: ids.slice(from * KEY_FIELDS, to * KEY_FIELDS) });
  });
}

/** Paths per stat-check message at most: ~2 ms of lstats, so shares stay even to the end. */
const STAT_CHUNK = 512;

/**
 * The assembly memo's stat check (memo-checks.ts) on more than one core: true when every `rels[i]`
 * is a regular file reached through plain directories whose lstat gives the key at `ids[5i, 5i+5)`.
 * Workers take chunks from the front (two in flight each, so none waits for the next), the main
 * thread chunks from the back through `checkHere(from, to)` (the same check), until they meet; any
 * difference anywhere is false. A chunk whose worker exits before it answers is checked here. On one
 * core, for a short list, or before any hashing started the pool, `checkHere` checks all.
 */
export async function statsMatch(
  root: string,
  rels: readonly string[],
  ids: Float64Array,
  checkHere: (from: number, to: number) => Promise<boolean>,
): Promise<boolean> {
  // Only workers already running: starting one (a thread, its first unoptimised run) cost more than it
  // saved on one check (65-86 ms against 47 ms for 10,000 files here on one core). A process that
  // hashed a large list has them, and keeps them.
  const active = workers.slice(0, rels.length >= POOL_MIN_FILES ? workerCount() : 0);
  if (active.length === 0) return checkHere(0, rels.length);
  let front = 0;
  let back = rels.length;
  // Shrinking as the list runs out, as in hashMany: a short list still gives every thread a share.
  const statChunk = (): number => Math.max(MIN_CHUNK, Math.min(STAT_CHUNK, Math.ceil((back - front) / (4 * (active.length + 1)))));
  let differs = false;
  const sent: { from: number; to: number; answer: Promise<boolean | undefined> }[] = [];
  const feed = (worker: Worker): void => {
    if (differs || front >= back) return;
    const from = front;
    const to = Math.min(back, from + statChunk());
    front = to;
    const answer = askStats(worker, root, rels, ids, from, to);
    sent.push({ from, to, answer });
    void answer.then((same) => {
      if (same === false) differs = true;
      else if (same === true) feed(worker);
    });
  };
  for (const worker of active) {
    feed(worker);
    feed(worker);
  }
  while (back > front && !differs) {
    const to = back;
    back = Math.max(front, back - statChunk());
    // A difference found here answers at once; the workers' answers are then not needed.
    if (!(await checkHere(back, to))) return false;
    // Lets the workers' answers in, so each is handed its next chunk.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Every chunk is handed out (feed sends nothing once front meets back): wait for the workers'
  // answers, and check here any chunk whose worker exited first.
  for (const { from, to, answer } of sent) {
    const same = await answer;
    if (same === false || (same === undefined && !(await checkHere(from, to)))) return false;
  }
  return !differs;
}
