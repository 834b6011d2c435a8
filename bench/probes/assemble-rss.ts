/**
 * Peak RSS of one cold assembly, in a process of its own so nothing else the benchmark did counts.
 *
 *   node --import tsx bench/probes/assemble-rss.ts <workspace> [--idle]
 *
 * Assembles `<workspace>` for role `coder` and work unit `.ctxpack/work-units/wp-7.yaml` (drop
 * `<workspace>/.ctxpack/cache` first for a cold run), saves the hash cache, and prints one JSON line:
 * `{ "max_rss_bytes", "work_unit_pack_hash", "hash_cache_misses" }`. `--idle` loads the same modules
 * and assembles nothing: the process's own footprint.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flushHashCache, hashCacheStats } from '../../shared/engine/assemble/hash-cache/index.js';
import { assemblePacks } from '../../shared/engine/assemble/index.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { idle: { type: 'boolean', default: false } } });
const dir = positionals[0];
if (!dir) {
  console.error('usage: node --import tsx bench/probes/assemble-rss.ts <workspace> [--idle]');
  process.exit(2);
}
const workspace = await Workspace.open(dir);
let hash: string | null = null;
if (!values.idle) {
  const packs = await assemblePacks(workspace, 'coder', { path: '.ctxpack/work-units/wp-7.yaml' });
  await flushHashCache(workspace);
  hash = packs.workUnit.hash;
}
// The peak of this process's own memory: VmHWM on Linux. Not getrusage's maxRSS: a child forked from the
// bench (libuv forks, then execs) starts with the parent's resident set counted in it, so maxRSS reports
// at least the bench process's RSS at the fork (294 MB for an idle probe in one run, 122 MB measured alone).
const maxRss = peakRssBytes();

function peakRssBytes(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // not Linux: getrusage below (inflated by the parent's size at the fork, as said above)
  }
  return process.resourceUsage().maxRSS * 1024; // KiB
}
console.log(JSON.stringify({ max_rss_bytes: maxRss, work_unit_pack_hash: hash, hash_cache_misses: hashCacheStats(workspace).misses }));
