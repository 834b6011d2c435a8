/**
 * Bounded reads: every file ctxpack reads (CLI arguments, workspace inputs, store artifacts) is
 * opened non-blocking, must be a regular file by fstat of the open handle, and must fit a size cap.
 * A FIFO (which would block waiting for a writer), a device (`/dev/zero` never ends) or an oversized
 * file is refused with {@link PackInputRejected} before a byte is read, in milliseconds.
 *
 * Limits (README "Input limits"):
 * - role definitions, work units, the provider registry, workspace settings: 1 MiB;
 * - context sources and provider scripts: 8 MiB;
 * - packs read from a file or a store: 64 MiB, and for store artifacts exactly the size the store
 *   recorded (a file store's artifact size, an S3 object's ContentLength).
 * Required files, codex files and anchors are only hashed (streamed), never held in memory, so
 * they have no cap; they are still opened non-blocking and must be regular files.
 *
 * Messages name the field and the rule, never a host path.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PackInputRejected } from '../core/errors.js';

const MiB = 1024 * 1024;

export const INPUT_LIMITS = {
  /** Role definitions, work units, providers.yaml, workspace.yaml. */
  definition: 1 * MiB,
  /** Context sources (notes, items files) and provider scripts. */
  source: 8 * MiB,
  /** A pack file or store artifact. */
  pack: 64 * MiB,
  /** A saved workflow history (`ctxpack replay FILE`). */
  history: 256 * MiB,
  /** The workspace's file-hash cache (`.ctxpack/cache`): a hint, dropped when it is not a small regular file. */
  cache: 16 * MiB,
} as const;

export type InputRule = 'not-regular-file' | 'too-large' | 'changed-while-read';

export function inputRejected(field: string, rule: InputRule, limit?: number): PackInputRejected {
  const why =
    rule === 'too-large'
      ? `is larger than its limit of ${limit} bytes`
      : rule === 'changed-while-read'
        ? 'grew while it was being read'
        : 'is not a regular file (a FIFO, device, socket or directory)';
  const fix =
    rule === 'too-large'
      ? `shrink the file named by ${field} below ${limit} bytes, or split it`
      : rule === 'changed-while-read'
        ? 'retry once nothing is writing the file'
        : `point ${field} at a regular file`;
  return new PackInputRejected(`${field} ${why} (rule ${rule})`, fix, { field, rule, ...(limit !== undefined ? { limit } : {}) });
}

/** O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (it is then refused). */
export function readFlags(options: { noFollow?: boolean } = {}): number {
  return constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
}

/** Checks an open handle is a regular file within `maxBytes`; returns its size. Closes it on refusal. */
export async function checkHandle(handle: FileHandle, field: string, maxBytes: number): Promise<number> {
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw inputRejected(field, 'not-regular-file');
  }
  if (info.size > maxBytes) {
    await handle.close();
    throw inputRejected(field, 'too-large', maxBytes);
  }
  return info.size;
}

/**
 * Reads the `expected` bytes (the fstat size, already within the cap) of an open, checked handle.
 * One byte more is asked for: a file that grew after the fstat is refused rather than cut short.
 */
export async function readCapped(handle: FileHandle, field: string, expected: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(expected + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > expected) throw inputRejected(field, 'changed-while-read');
  return buffer.subarray(0, filled);
}

/**
 * Reads a whole host file named on a command line (`--work-unit`, `verify FILE`): symlinks are
 * followed (a user may pass one), but what they lead to must be a regular file within `maxBytes`.
 * @throws PackInputRejected, or the open error (ENOENT, EACCES) for the caller to word.
 */
export async function readBoundedFile(file: string, field: string, maxBytes: number, options: { noFollow?: boolean } = {}): Promise<Buffer> {
  const handle = await open(file, readFlags(options));
  const size = await checkHandle(handle, field, maxBytes);
  try {
    return await readCapped(handle, field, size);
  } finally {
    await handle.close();
  }
}
