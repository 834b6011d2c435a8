/**
 * The assembly memo on disk, so `ctxpack assemble` run again in a new process (or a restarted
 * worker) reuses the packs of the last assembly when nothing changed, at the cost of one `lstat` per
 * input file instead of a full assembly.
 *
 * One file per assembly key, `<workspace>/.ctxpack/cache/assembly-memo.<id>.v3.bin` (git-ignored
 * with the rest of the cache), written atomically (temp file and rename: a reader sees the old file
 * or the new one); every save prunes all but the {@link MEMOS_KEPT} most recently used. Layout: one
 * line of JSON (the header), then the sections it gives the lengths of: the checked paths
 * (`\n`-separated UTF-8), their stat keys (5 x float64 each, little-endian), then each value's bytes
 * (the packs: canonical bytes and key order, packs.ts).
 *
 * What makes a saved memo usable, each checked on load, anything else being "no memo" (a full
 * assembly, never an error and never a partial result): the format and version; the builder version
 * and the package version (other code may build other bytes); the assembly key (role, work unit,
 * options), exactly; the environment the sanitizer rewrites host paths from (a hash of the workspace
 * root and the home directory: a memo copied from another workspace or user is foreign); the exact
 * file size the sections add up to (a truncated or padded file); every path passing the path rules;
 * each value hashing to the hash the header gives (a corrupt byte). Then every check in memo-checks.ts
 * must hold. The file holds workspace paths, stat keys, hashes and the packs (which are already
 * redacted and free of host paths): no secret and no host path.
 *
 * Whoever can write `.ctxpack/cache` can plant packs here, as they can plant hashes in the hash
 * cache next to it: the same trust as the role definitions beside them (roles deny `.ctxpack/**`).
 *
 * Node-only (I/O). Not for workflow code.
 */
import { readFileSync } from 'node:fs';
import { lstat, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { endianness, homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspacePathProblem } from '../../core/paths.js';
import { INPUT_LIMITS, readBoundedFile } from '../bounded-read.js';
import { BUILDER_VERSION } from '../builder-version.js';
import { sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';
import { HASH_CACHE_DIR } from './hash-cache/state.js';
import { ID_FIELDS, type GlobCheck, type MemoChecks } from './memo-checks.js';

const FORMAT = 'ctxpack-assembly-memo';
/**
 * 3: each pack's key order (key-order.ts) instead of a second copy of the pack as built; 2: stat keys
 * as float64 (the hash cache's number form, state.ts `keyOf`); 1: int64 nanoseconds.
 */
const VERSION = 3;
/** Largest memo file read: two packs at the pack limit, plus their checks. */
const MAX_FILE_BYTES = 2 * INPUT_LIMITS.pack + INPUT_LIMITS.cache;
const LITTLE_ENDIAN = endianness() === 'LE';

/** How a memoized value becomes sections of bytes and back (the packs: their canonical bytes). */
export interface MemoCodec<T> {
  encode(value: T): readonly { readonly bytes: Uint8Array; readonly hash: string }[];
  /** `sections[i]` hashes to the i-th hash `encode` gave (checked before this is called). */
  decode(sections: readonly { readonly bytes: Uint8Array; readonly hash: string }[]): T;
}

interface Header {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly builder: string;
  readonly tool: string;
  readonly key: string;
  readonly env: string;
  readonly files: number;
  readonly content: readonly (readonly [string, string])[];
  readonly exists: readonly (readonly [string, boolean])[];
  readonly globs: readonly GlobCheck[];
  /** Byte lengths: paths, stat keys, then one per value. */
  readonly sections: readonly number[];
  readonly hashes: readonly string[];
}

let toolVersionCache: string | undefined;

/** This package's version (from its package.json): a memo written by other code is not reused. */
export function toolVersion(): string {
  if (toolVersionCache !== undefined) return toolVersionCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  toolVersionCache = 'unknown';
  for (let up = 0; up < 8; up += 1) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'context-packs' && typeof manifest.version === 'string') {
        toolVersionCache = manifest.version;
        break;
      }
    } catch {
      // no package.json here: look further up
    }
    dir = path.dirname(dir);
  }
  return toolVersionCache;
}

/** The host facts pack bytes depend on (the sanitizer rewrites both paths), as one hash. */
function environmentOf(workspace: Workspace): string {
  return sha256(JSON.stringify([workspace.root, homedir()]));
}

/** Host path of the memo file for `key` (a JSON string). */
export function memoFile(workspace: Workspace, key: string): string {
  const id = sha256(JSON.stringify([BUILDER_VERSION, key])).slice('sha256:'.length, 'sha256:'.length + 16);
  return path.join(workspace.root, ...HASH_CACHE_DIR.split('/'), `assembly-memo.${id}.v${VERSION}.bin`);
}

/**
 * Saves `value` with its checks. Best effort: a cache folder that does not exist (the hash cache
 * makes it) or cannot be written leaves no file, and no temp file behind.
 */
export async function saveMemo<T>(workspace: Workspace, key: string, checks: MemoChecks, value: T, codec: MemoCodec<T>): Promise<void> {
  const file = memoFile(workspace, key);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const values = codec.encode(value);
    const pathBytes = Buffer.from(checks.paths.join('\n'), 'utf8');
    const idBytes = LITTLE_ENDIAN ? Buffer.from(checks.ids.buffer, checks.ids.byteOffset, checks.ids.byteLength) : Buffer.alloc(checks.ids.length * 8);
    if (!LITTLE_ENDIAN) checks.ids.forEach((v, i) => idBytes.writeDoubleLE(v, i * 8));
    const header: Header = {
      format: FORMAT,
      version: VERSION,
      builder: BUILDER_VERSION,
      tool: toolVersion(),
      key,
      env: environmentOf(workspace),
      files: checks.paths.length,
      content: checks.content,
      exists: checks.exists,
      globs: checks.globs,
      sections: [pathBytes.length, idBytes.length, ...values.map((v) => v.bytes.length)],
      hashes: values.map((v) => v.hash),
    };
    await writeFile(temp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), pathBytes, idBytes, ...values.map((v) => v.bytes)]));
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
  await pruneMemos(workspace);
}

/** Saved memos kept per workspace: one per assembly key in use (roles x seats' context windows), with room. */
export const MEMOS_KEPT = 16;
/** A temp file this old is left from a process that died while saving: nobody will rename it. */
const STALE_TEMP_MS = 10 * 60 * 1000;
const MEMO_NAME = /^assembly-memo\.[0-9a-f]{16}\.v\d+\.bin$/;
const MEMO_TEMP = /^assembly-memo\.[0-9a-f]{16}\.v\d+\.bin\.\d+\.[0-9a-z]+\.tmp$/;

/**
 * Bounds the saved memos: the {@link MEMOS_KEPT} most recently used stay (a reuse refreshes its
 * file's time, see {@link markUsed}), older ones go, with them the files of earlier builder or
 * package versions (their keys never match again), and temp files a crashed save left. Best effort,
 * after every save: an error here never fails an assembly.
 */
export async function pruneMemos(workspace: Workspace, keep = MEMOS_KEPT): Promise<void> {
  const dir = path.join(workspace.root, ...HASH_CACHE_DIR.split('/'));
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  const found = await Promise.all(
    names
      .filter((n) => MEMO_NAME.test(n) || MEMO_TEMP.test(n))
      .map(async (name) => {
        const info = await lstat(path.join(dir, name)).catch(() => undefined);
        return info?.isFile() ? { name, used: info.mtimeMs, temp: MEMO_TEMP.test(name) } : undefined;
      }),
  );
  const files = found.filter((f) => f !== undefined);
  const stale = files.filter((f) => f.temp && now - f.used > STALE_TEMP_MS);
  const old = files
    .filter((f) => !f.temp)
    .sort((a, b) => b.used - a.used || a.name.localeCompare(b.name))
    .slice(keep);
  await Promise.all([...stale, ...old].map((f) => rm(path.join(dir, f.name), { force: true }).catch(() => {})));
}

/** A reuse counts as use: the file's time starts over, so pruning keeps the memos in use. Best effort. */
async function markUsed(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now).catch(() => {});
}

/** Deletes the saved memo for `key` (a value the caller could not reuse is not read again). */
export async function dropMemo(workspace: Workspace, key: string): Promise<void> {
  await rm(memoFile(workspace, key), { force: true }).catch(() => {});
}

/** Deletes every saved assembly memo of the workspace (tests and benchmarks that need a full assembly). */
export async function dropAllMemos(workspace: Workspace): Promise<void> {
  const dir = path.join(workspace.root, ...HASH_CACHE_DIR.split('/'));
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => /^assembly-memo\./.test(n)).map((n) => rm(path.join(dir, n), { force: true }).catch(() => {})));
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function validHeader(raw: unknown, workspace: Workspace, key: string): raw is Header {
  if (typeof raw !== 'object' || raw === null) return false;
  const h = raw as Record<string, unknown>;
  const okPath = (p: unknown): boolean => isString(p) && workspacePathProblem(p) === undefined;
  return (
    h.format === FORMAT &&
    h.version === VERSION &&
    h.builder === BUILDER_VERSION &&
    h.tool === toolVersion() &&
    h.key === key &&
    h.env === environmentOf(workspace) &&
    Number.isSafeInteger(h.files) &&
    (h.files as number) >= 0 &&
    Array.isArray(h.content) &&
    h.content.every((c) => Array.isArray(c) && c.length === 2 && okPath(c[0]) && isString(c[1])) &&
    Array.isArray(h.exists) &&
    h.exists.every((c) => Array.isArray(c) && c.length === 2 && okPath(c[0]) && typeof c[1] === 'boolean') &&
    Array.isArray(h.globs) &&
    h.globs.every((g) => typeof g === 'object' && g !== null && isStringList(g.patterns) && isStringList(g.ignore) && isStringList(g.value)) &&
    Array.isArray(h.sections) &&
    h.sections.length >= 2 &&
    h.sections.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) &&
    isStringList(h.hashes) &&
    h.hashes.length === h.sections.length - 2
  );
}

/**
 * The saved value for `key` and the checks it must pass, or undefined when there is no usable memo
 * file (missing, unreadable, not a regular file, truncated, corrupt, foreign, another version). The
 * checks themselves are the caller's to run (memo-checks.ts `checksHold`).
 */
export async function loadMemo<T>(workspace: Workspace, key: string, codec: MemoCodec<T>): Promise<{ value: T; checks: MemoChecks } | undefined> {
  try {
    const name = memoFile(workspace, key);
    const file = await readBoundedFile(name, 'the assembly memo', MAX_FILE_BYTES, { noFollow: true });
    const newline = file.indexOf(0x0a);
    if (newline < 0) return undefined;
    const header: unknown = JSON.parse(file.subarray(0, newline).toString('utf8'));
    if (!validHeader(header, workspace, key)) return undefined;
    const total = header.sections.reduce((a, b) => a + b, 0);
    if (newline + 1 + total !== file.length) return undefined;
    let at = newline + 1;
    const section = (length: number): Buffer => file.subarray(at, (at += length));
    const pathText = section(header.sections[0] as number).toString('utf8');
    const paths = header.files === 0 ? [] : pathText.split('\n');
    const idBytes = section(header.sections[1] as number);
    if (paths.length !== header.files || idBytes.length !== header.files * ID_FIELDS * 8) return undefined;
    // Paths come from a file anyone with write access to the cache could have edited: the path rules
    // hold for each (the fast path makes this cheap), so a check never stats outside the workspace.
    for (const p of paths) if (workspacePathProblem(p) !== undefined) return undefined;
    // A copy either way (slice: a fresh, aligned buffer), read as the host's doubles where those are LE.
    const ids = LITTLE_ENDIAN ? new Float64Array(Uint8Array.prototype.slice.call(idBytes).buffer) : new Float64Array(header.files * ID_FIELDS);
    if (!LITTLE_ENDIAN) for (let i = 0; i < ids.length; i += 1) ids[i] = idBytes.readDoubleLE(i * 8);
    // Views into the file's buffer, not copies: the packs are most of it, and copying 3 MB costs
    // more (in copying and in garbage collection) than keeping the rest of the file alive.
    const values = header.hashes.map((hash, i) => ({ bytes: section(header.sections[i + 2] as number), hash }));
    if (values.some((v) => sha256(v.bytes) !== v.hash)) return undefined;
    await markUsed(name);
    return { value: codec.decode(values), checks: { paths, ids, content: header.content, exists: header.exists, globs: header.globs } };
  } catch {
    return undefined;
  }
}
