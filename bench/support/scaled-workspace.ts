/**
 * The example workspace scaled up for the assembly benchmarks: a copy of `examples/workspace` whose
 * work unit (`.ctxpack/work-units/wp-7.yaml`) lists N generated files in `required_files`, so
 * assembling it reads and hashes every one of them, exactly as a real work unit would.
 *
 * Deterministic: the same options give the same paths and bytes (a seeded PRNG picks sizes and
 * content), so a baseline can be rerun on an identical tree:
 *
 *   node --import tsx bench/support/scaled-workspace.ts <dir> [--files 10000] [--mib 200] [--large-mib 32]
 */
import { cp, mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const EXAMPLE_WORKSPACE = fileURLToPath(new URL('../../examples/workspace/', import.meta.url));
export const WORK_UNIT = '.ctxpack/work-units/wp-7.yaml';
const MIB = 1024 * 1024;

export interface ScaledWorkspaceOptions {
  /** Required files in total, including the example's own two (the schema allows up to 10,000). */
  readonly files: number;
  /** Total bytes of the generated files (the example's own two add a few hundred bytes). */
  readonly totalBytes: number;
  /** Size of the one large file among them, so "the largest file" is a real term in the memory target. */
  readonly largeBytes: number;
  readonly seed?: number;
}

export interface ScaledWorkspace {
  readonly dir: string;
  /** Workspace paths of every required file, in the work unit's order. */
  readonly files: readonly string[];
  readonly totalBytes: number;
  readonly largestBytes: number;
}

/** Copies `examples/workspace` to `dir`, without any pack store or hash cache it may hold. */
export async function copyExampleWorkspace(dir: string): Promise<void> {
  await cp(EXAMPLE_WORKSPACE, dir, {
    recursive: true,
    filter: (source) => !/[\\/]\.ctxpack[\\/](store|cache)([\\/]|$)/.test(source),
  });
}

/** mulberry32: a small, fast, seedable PRNG; enough for sizes and filler text. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 4 MiB of code-like text every file takes a slice of (at a seeded offset), so generation is I/O bound. */
function fillerCorpus(random: () => number): Buffer {
  const words = ['const', 'value', 'return', 'parseConfig', 'port', 'host', 'if', 'throw', 'new', 'Error', 'key', 'await', 'export', 'function', 'logLevel'];
  const lines: string[] = [];
  let size = 0;
  while (size < 4 * MIB) {
    const count = 3 + Math.floor(random() * 9);
    const line = `  ${Array.from({ length: count }, () => words[Math.floor(random() * words.length)]).join(' ')}; // ${Math.floor(random() * 1e9).toString(36)}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** File sizes: a long-tailed spread (like source trees), scaled so the total is exact. */
function sizesFor(count: number, total: number, random: () => number): number[] {
  const weights = Array.from({ length: count }, () => Math.exp(random() * 4));
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(64, Math.floor((w / sum) * total)));
  let rest = total - sizes.reduce((a, b) => a + b, 0);
  // Hand out (or take back) the rounding remainder one file at a time.
  for (let i = 0; rest !== 0; i = (i + 1) % count) {
    const step = rest > 0 ? Math.min(rest, 4096) : Math.max(rest, -Math.min(4096, (sizes[i] as number) - 64));
    sizes[i] = (sizes[i] as number) + step;
    rest -= step;
  }
  return sizes;
}

/**
 * Writes the scaled workspace into `dir` (which must not exist yet) and returns what it holds. The
 * example's two required files stay first; the generated ones live under `src/gen/` and `assets/`.
 */
export async function createScaledWorkspace(dir: string, options: ScaledWorkspaceOptions): Promise<ScaledWorkspace> {
  const random = prng(options.seed ?? 0xc0ffee);
  await copyExampleWorkspace(dir);
  const own = ['src/config.js', 'test/config.test.js'];
  const generatedCount = options.files - own.length;
  if (generatedCount < 1) throw new Error('files must be at least 3');
  const large = 'assets/bundle.large.js';
  const smallCount = generatedCount - 1;
  const sizes = sizesFor(smallCount, options.totalBytes - options.largeBytes, random);
  const corpus = fillerCorpus(random);

  const files: string[] = [...own];
  const perDir = 100;
  for (let i = 0; i < smallCount; i += 1) {
    files.push(`src/gen/d${String(Math.floor(i / perDir)).padStart(3, '0')}/m${String(i).padStart(5, '0')}.js`);
  }
  files.push(large);

  const dirs = new Set(files.slice(own.length).map((f) => path.posix.dirname(f)));
  for (const d of dirs) await mkdir(path.join(dir, ...d.split('/')), { recursive: true });

  const write = async (rel: string, size: number): Promise<void> => {
    const header = Buffer.from(`// ${rel}: generated for the context-packs benchmark\n`, 'utf8');
    const handle = await open(path.join(dir, ...rel.split('/')), 'w');
    try {
      let written = 0;
      const first = header.subarray(0, Math.min(header.length, size));
      await handle.write(first);
      written += first.length;
      let offset = Math.floor(random() * corpus.length);
      while (written < size) {
        const chunk = corpus.subarray(offset, Math.min(corpus.length, offset + (size - written)));
        await handle.write(chunk);
        written += chunk.length;
        offset = 0;
      }
    } finally {
      await handle.close();
    }
  };
  for (let i = 0; i < smallCount; i += 1) await write(files[own.length + i] as string, sizes[i] as number);
  await write(large, options.largeBytes);

  const unitPath = path.join(dir, ...WORK_UNIT.split('/'));
  const unit = [
    'schema_version: 1',
    'job_id: JOB-2026-0007',
    'work_packet_id: WP-7',
    'micro_tasks:',
    '  - { id: MT-7.1, title: Reject unknown keys in parseConfig }',
    '  - { id: MT-7.2, title: Require a positive integer port }',
    'required_files:',
    ...files.map((f) => `  - ${f}`),
    'verification:',
    '  commands:',
    '    - argv: [node, --test, test/config.test.js]',
    '      cwd: .',
    '      timeout_seconds: 60',
    '  acceptance: parseConfig rejects unknown keys and non-positive ports with an error naming the key; all tests pass.',
    'context_sources:',
    '  - { path: docs/notes/wp-7.md, kind: notes }',
    '  - { path: .ctxpack/context/wp-7-decisions.yaml, kind: items }',
    '',
  ].join('\n');
  await writeFile(unitPath, unit);

  const generatedBytes = sizes.reduce((a, b) => a + b, 0) + options.largeBytes;
  return { dir, files, totalBytes: generatedBytes, largestBytes: options.largeBytes };
}

// As a command: generate a tree to rerun a baseline on by hand.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      files: { type: 'string', default: '10000' },
      mib: { type: 'string', default: '200' },
      'large-mib': { type: 'string', default: '32' },
    },
  });
  const dir = positionals[0];
  if (!dir) {
    console.error('usage: node --import tsx bench/support/scaled-workspace.ts <new-dir> [--files N] [--mib N] [--large-mib N]');
    process.exit(2);
  }
  const made = await createScaledWorkspace(path.resolve(dir), {
    files: Number(values.files),
    totalBytes: Number(values.mib) * MIB,
    largeBytes: Number(values['large-mib']) * MIB,
  });
  // One path a line, for `xargs -a`: the baseline commands in bench/README.md read this list.
  await writeFile(path.join(made.dir, 'required-files.txt'), made.files.join('\n') + '\n');
  console.log(`${made.files.length} required files, ${(made.totalBytes / MIB).toFixed(1)} MiB, in ${made.dir}`);
}
