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
import { hashRegularFileSync } from './file-read.js';
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
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) return null;
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
      if (n < buffer.length && BigInt(total) === info.size) break;
    }
    return [hash.digest('hex'), total, info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs];
  } catch { return null; } finally { closeSync(fd); }
}
parentPort.on('message', ({ id, paths }) => parentPort.postMessage({ id, results: paths.map(hashOne) }));
`;

type WireResult = [string, number, bigint, bigint, bigint, bigint, bigint] | null;

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

function fromWire(r: WireResult): PooledHash | undefined {
  if (r === null) return undefined;
  return { hex: r[0], bytes: r[1], info: { dev: r[2], ino: r[3], size: r[4], mtimeNs: r[5], ctimeNs: r[6] } };
}

/**
 * Hashes every host path in `reals` (symlink-free paths: the caller checked the directories), the main
 * thread taking chunks alongside the workers. `undefined` for a file that could not be opened or read,
 * or is not a regular file.
 */
export async function hashMany(reals: readonly string[]): Promise<(PooledHash | undefined)[]> {
  const out: (PooledHash | undefined)[] = new Array(reals.length);
  const wanted = reals.length >= POOL_MIN_FILES ? workerCount() : 0;
  while (workers.length < wanted) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    // A worker that dies only loses its chunk: the main thread finishes the list (see below).
    worker.on('error', () => undefined);
    workers.push(worker);
  }
  let next = 0;
  const take = (): [number, number] | undefined => {
    if (next >= reals.length) return undefined;
    const start = next;
    next = Math.min(reals.length, next + CHUNK);
    return [start, next];
  };
  const stealers: (() => void)[] = [];
  const active = workers.slice(0, wanted);
  // Referenced while they hold work (an unreferenced worker would let the process exit mid-list).
  active.forEach((worker) => worker.ref());
  const listeners = active.map((worker) => {
    const inFlight = new Map<number, [number, number]>();
    const send = (): void => {
      const range = take();
      if (!range) return;
      const id = messageId++;
      inFlight.set(id, range);
      worker.postMessage({ id, paths: reals.slice(range[0], range[1]) });
    };
    const onMessage = ({ id, results }: { id: number; results: WireResult[] }): void => {
      const range = inFlight.get(id);
      if (!range) return;
      inFlight.delete(id);
      results.forEach((r, i) => (out[range[0] + i] = fromWire(r)));
      send();
    };
    // Chunks a dead or late worker holds are done on the main thread.
    const takeOver = (): void => {
      for (const range of inFlight.values()) hashHere(range);
      inFlight.clear();
    };
    stealers.push(takeOver);
    const onGone = takeOver;
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
  const hashHere = ([start, end]: [number, number]): void => {
    for (let i = start; i < end; i += 1) out[i] = hashRegularFileSync(reals[i] as string);
  };
  try {
    for (let range = take(); range; range = take()) {
      hashHere(range);
      // Lets worker results (and timers, heartbeats) in between chunks.
      if (active.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // The list is handed out. A worker still holding chunks may be starved of CPU (the machine is
    // shared): the main thread hashes those chunks itself rather than wait, and late answers for them
    // are dropped (their listeners go below). At most two chunks per worker are done twice.
    if (active.length > 0) await new Promise<void>((resolve) => setImmediate(resolve)); // answers already sent
    for (const steal of stealers) steal();
  } finally {
    listeners.forEach((off) => off());
    active.forEach((worker) => worker.unref());
  }
  return out;
}
