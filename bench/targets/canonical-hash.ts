/**
 * Target 1: canonicalising and hashing a 1 MiB pack costs at most 1.5x a plain `JSON.stringify` +
 * sha256 of the same object (the price of canonical form over a plain dump). Raw sha256 over the same
 * canonical bytes is reported next to it: the physical limit on this CPU.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import stringify from 'fast-json-stable-stringify';
import { assertCanonicalizable, canonicalBytes } from '../../shared/core/canonical.js';
import { hashCanonical, sha256, sha256Hex } from '../../shared/engine/hash.js';
import { toSortedSet } from '../../shared/core/schema/common.js';
import { WorkUnitContextPack } from '../../shared/core/schema/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { copyExampleWorkspace, WORK_UNIT } from '../support/scaled-workspace.js';
import { interleaved, mbPerSecond, median, round } from '../support/stats.js';
import type { BenchContext, BenchResult, BenchTarget } from './types.js';

const MIB = 1024 * 1024;
const TARGET_RATIO = 1.5;

/**
 * A schema-valid WorkUnitContextPack of at least `size` canonical bytes: the example workspace's pack
 * with required files (and their `file:` sources) added until it is that big, as a work unit with a
 * few thousand files would have.
 */
async function packOfSize(ctx: BenchContext, size: number): Promise<WorkUnitContextPack> {
  const dir = path.join(ctx.scratch, 'canonical-hash');
  await copyExampleWorkspace(dir);
  const base = (await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT })).workUnit.pack;
  const requiredFiles = [...base.required_files];
  const sources = [...base.sources];
  for (let i = 0; canonicalBytes({ ...base, required_files: requiredFiles, sources }).length < size; ) {
    for (const end = i + 500; i < end; i += 1) {
      const file = `src/gen/d${String(Math.floor(i / 100)).padStart(3, '0')}/module-${String(i).padStart(5, '0')}.ts`;
      const hash = sha256(file);
      requiredFiles.push({ path: file, sha256: hash, bytes: 1000 + ((i * 7919) % 50_000) });
      sources.push({ source_id: `file:${file}`, source_hash: hash });
    }
  }
  const sortedSources = toSortedSet(sources, (s) => s.source_id);
  return WorkUnitContextPack.parse({
    ...base,
    required_files: toSortedSet(requiredFiles, (f) => f.path),
    sources: sortedSources,
    sources_hash: hashCanonical(sortedSources),
  });
}

export const canonicalHash: BenchTarget = {
  id: 'canonical-hash',
  title: 'Canonicalise + hash a 1 MiB pack',
  results: ['canonical-hash'],
  async run(ctx) {
    const pack = await packOfSize(ctx, MIB);
    const bytes = canonicalBytes(pack);
    const plain = JSON.stringify(pack);
    if (hashCanonical(pack) !== sha256(bytes)) throw new Error('hashCanonical disagrees with sha256(canonicalBytes)');
    ctx.log(`canonical-hash: pack of ${bytes.length} canonical bytes (${Buffer.byteLength(plain)} as JSON.stringify)`);

    const times = await interleaved(ctx.repeats('fast'), [
      { name: 'plain', run: () => createHash('sha256').update(JSON.stringify(pack)).digest('hex') },
      { name: 'canonical', run: () => hashCanonical(pack) },
      { name: 'raw', run: () => sha256Hex(bytes) },
      // The reference path's parts, for comparison (not part of the ratio).
      { name: 'check', run: () => assertCanonicalizable(pack) },
      { name: 'stableStringify', run: () => stringify(pack) },
    ]);
    const plainMs = median(times.plain as number[]);
    const canonicalMs = median(times.canonical as number[]);
    const rawMs = median(times.raw as number[]);
    const ratio = canonicalMs / plainMs;
    const result: BenchResult = {
      id: 'canonical-hash',
      title: this.title,
      value: round(ratio),
      unit: 'x',
      target: `<= ${TARGET_RATIO}x`,
      baseline: `JSON.stringify + sha256 of the same pack object: ${plainMs.toFixed(2)} ms (median of ${times.plain?.length})`,
      met: ratio <= TARGET_RATIO,
      rerun: ['npm run bench -- --only canonical-hash'],
      details: {
        pack_bytes: bytes.length,
        canonical_ms: round(canonicalMs),
        plain_ms: round(plainMs),
        raw_sha256_ms: round(rawMs),
        canonical_mb_per_s: round(mbPerSecond(bytes.length, canonicalMs)),
        raw_sha256_mb_per_s: round(mbPerSecond(bytes.length, rawMs)),
        reference_path_check_ms: round(median(times.check as number[])),
        reference_path_stable_stringify_ms: round(median(times.stableStringify as number[])),
        repeats: times.canonical?.length ?? 0,
        subject: 'hashCanonical(pack): one checking walk that copies only out-of-order objects + JSON.stringify + sha256 of the text (the reference path, check + fast-json-stable-stringify, is timed beside it)',
      },
    };
    return [result];
  },
};
