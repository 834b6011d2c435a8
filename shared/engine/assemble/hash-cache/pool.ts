/**
 * Hashing many files on more than one core: a cold assembly of 10,000 files spends most of its time
 * opening, reading and hashing them, which one thread does at the speed of one core. The main thread
 * and a small pool of worker threads take chunks of the same list; each file is read and hashed by
 * one of them exactly as `hashRegularFileSync` does (O_NOFOLLOW | O_NONBLOCK open, fstat of the handle
 * taken before reading, regular files only, 1 MiB chunks). Only the bytes' hash, their count and the
 * fstat key come back; what to do with them (the same-tick rule, storing, delegating failures to
 * `Workspace.hashFile` so errors stay its errors) stays with the caller, in list order.
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
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
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
// A file is hashed by whoever claims it first (see hashMany); 0 marks one the main thread took.
parentPort.on('message', ({ id, start, paths, claims, owner }) => {
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
  while (workers.length < wanted) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    // A worker that dies only loses its chunks: the main thread hashes them (see onGone below), and
    // later calls start a new one (a dead worker never answers, and nothing may wait for it).
    worker.on('error', () => undefined);
    worker.once('exit', () => {
      const at = workers.indexOf(worker);
      if (at >= 0) workers.splice(at, 1);
    });
    workers.push(worker);
  }
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
  // Referenced while they hold work (an unreferenced worker would let the process exit mid-list).
  active.forEach((worker) => worker.ref());
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
    active.forEach((worker) => worker.unref());
  }
  return out;
}
