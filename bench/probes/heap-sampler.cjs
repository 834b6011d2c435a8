// Diagnostic preload (not a bench row): every 100 ms, in each thread it is loaded in (the main
// thread and the SDK's workflow thread), appends a line to <dir>/heap-<pid>-<threadId>.log whenever
// that thread's V8 heap reaches a new high: total and used heap, external memory and each space.
// Next to the worker's RSS it shows how much of a peak is V8 heap, and in which thread.
//
//   PROBE_NODE_OPTIONS="--require ./bench/probes/heap-sampler.cjs" HEAP_SAMPLER_DIR=/tmp/heap \
//     node --import tsx bench/probes/worker-rss.ts 100 ours
'use strict';
const { appendFileSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { getHeapSpaceStatistics, getHeapStatistics } = require('node:v8');
const { threadId } = require('node:worker_threads');

const dir = process.env.HEAP_SAMPLER_DIR || tmpdir();
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `heap-${process.pid}-${threadId}.log`);
const started = Date.now();
const mb = (bytes) => (bytes / 1e6).toFixed(1);
let peak = 0;

setInterval(() => {
  const heap = getHeapStatistics();
  if (heap.total_heap_size <= peak) return;
  peak = heap.total_heap_size;
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => `${s.space_name.replace(/_space$/, '')}=${mb(s.space_size)}/${mb(s.space_used_size)}`)
    .join(' ');
  const at = ((Date.now() - started) / 1000).toFixed(1);
  appendFileSync(file, `${at}s total ${mb(peak)} MB, used ${mb(heap.used_heap_size)}, external ${mb(heap.external_memory)} | ${spaces}\n`);
}, 100).unref();
