/**
 * Finds or builds a real MinIO server (the S3-compatible store the S3 pack store is tested against),
 * and starts throwaway instances of it on loopback ports.
 *
 * Why build from Go modules: this project's machines reach only package registries, and MinIO's
 * release binaries are not on any of them; its source is, on the Go module proxy. MinIO has no semver
 * tags, so a pinned pseudo-version is built once (minutes, several GiB of RAM) into the git-ignored
 * `.tools/bin/minio` and reused from then on. Resolution order, like the Temporal CLI resolver's:
 * `MINIO_PATH`, `minio` on `PATH`, the `.tools/` cache, then a build.
 *
 * Pre-build (CI, or once by hand): `node --import tsx test/tools/minio.ts --install`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultToolsDir, isExecutable } from '../../cli/temporal/cli-resolver.js';
import { withInstallLock } from '../../cli/tools/install-lock.js';
import { lastLines, serveProcess } from '../../cli/tools/served-process.js';
import { freePort, freePorts, startOnFreshPorts } from '../../cli/tools/free-port.js';

export { freePort };

const run = promisify(execFile);

/** The Go module MinIO is built from. */
export const MINIO_MODULE = 'github.com/minio/minio';

/**
 * The pinned MinIO source: the module proxy's pseudo-version of commit 7aac2a2c5b7c (2026-02-12).
 * Changing it makes every cached `.tools/bin/minio` rebuild (the stamp file no longer matches).
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

/** Where a MinIO binary came from, in the order they are tried. */
export type MinioSource = 'env' | 'path' | 'cache' | 'built';

/** A runnable MinIO server binary. */
export interface MinioBinary {
  /** Absolute path on this machine (a test tool: never recorded in packs or history). */
  readonly path: string;
  /** First line of `minio --version`. */
  readonly versionLine: string;
  readonly source: MinioSource;
}

/** Options for {@link resolveMinio}. */
export interface ResolveMinioOptions {
  /** Build MinIO from Go modules when no binary is found. Default: true. */
  readonly build?: boolean;
  /** Project-local tool cache. Default: `CTXPACK_TOOLS_DIR`, else `<package root>/.tools`. */
  readonly toolsDir?: string;
  /** Progress lines (a build takes minutes, so it reports while it runs). */
  readonly log?: (line: string) => void;
  /** Environment to read `MINIO_PATH` and `PATH` from, and to run `go` with. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** No usable MinIO binary was found, and building one failed or was not allowed. */
export class MinioUnavailable extends Error {
  override readonly name = 'MinioUnavailable';
  /** One line telling the user what to do. */
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

/** The cached binary and its stamp (which pinned version it was built from). */
export function cachedMinioPath(toolsDir: string): string {
  return path.join(toolsDir, 'bin', 'minio');
}

const stampPath = (toolsDir: string): string => `${cachedMinioPath(toolsDir)}.version`;

/**
 * The first usable MinIO from: `MINIO_PATH`, `minio` on `PATH`, `.tools/bin/minio` (when built from
 * {@link MINIO_VERSION}), and, unless `build: false`, a fresh build from Go modules.
 *
 * @throws MinioUnavailable naming every place looked and the fix.
 */
export async function resolveMinio(options: ResolveMinioOptions = {}): Promise<MinioBinary> {
  const env = options.env ?? process.env;
  const toolsDir = options.toolsDir ?? defaultToolsDir(env);
  const log = options.log ?? (() => {});
  const looked: string[] = [];

  const fromEnv = env['MINIO_PATH'];
  if (fromEnv) {
    const found = await probe(fromEnv, 'env');
    if (found) return found;
    // An explicit setting that does not work is an error, not something to silently route around.
    throw new MinioUnavailable(
      `MINIO_PATH=${fromEnv} is not a runnable MinIO server (\`${fromEnv} --version\` failed)`,
      'point MINIO_PATH at a `minio` executable, or unset it to let ctxpack find or build one',
    );
  }
  looked.push('MINIO_PATH (unset)');

  for (const dir of (env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'minio');
    if (await isExecutable(candidate)) {
      const found = await probe(candidate, 'path');
      if (found) return found;
    }
  }
  looked.push('`minio` on PATH');

  const cached = await cachedIfCurrent(toolsDir, log);
  if (cached) return cached;
  looked.push(`${cachedMinioPath(toolsDir)} (built from ${MINIO_VERSION})`);

  if (options.build === false) {
    throw new MinioUnavailable(
      `no MinIO server found; looked in: ${looked.join('; ')}`,
      'run `node --import tsx test/tools/minio.ts --install` (builds MinIO from Go modules into .tools/bin), or set MINIO_PATH',
    );
  }
  return buildOnce(toolsDir, env, log);
}

/**
 * Makes sure `.tools/bin/minio` holds MinIO {@link MINIO_VERSION}, building it if needed, for CI's
 * install step. Honours `MINIO_PATH` / `PATH` like {@link resolveMinio}.
 */
export async function installMinio(options: Omit<ResolveMinioOptions, 'build'> = {}): Promise<MinioBinary> {
  return resolveMinio({ ...options, build: true });
}

async function cachedIfCurrent(toolsDir: string, log: (line: string) => void): Promise<MinioBinary | undefined> {
  const binary = cachedMinioPath(toolsDir);
  if (!(await isExecutable(binary))) return undefined;
  const stamp = await readFile(stampPath(toolsDir), 'utf8').catch(() => '');
  if (stamp.trim() !== MINIO_VERSION) {
    log(`${binary} was built from ${stamp.trim() || 'an unknown version'}, not ${MINIO_VERSION}: rebuilding`);
    return undefined;
  }
  return probe(binary, 'cache');
}

/**
 * Builds under a lock directory, so that test files starting in parallel (or a test run beside CI's
 * install step) build once: the others wait for the binary instead of starting a second multi-GiB build.
 */
async function buildOnce(toolsDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<MinioBinary> {
  await mkdir(path.join(toolsDir, 'bin'), { recursive: true });
  // The lock's holder may have finished the build while we waited: use its binary then.
  return withInstallLock(toolsDir, 'minio-build', BUILD_TIMEOUT_MS + 60_000, log, async () => (await cachedIfCurrent(toolsDir, () => {})) ?? build(toolsDir, env, log));
}

/** Generous: a cold build downloads ~300 modules and compiles them on 2 cores. */
const BUILD_TIMEOUT_MS = 45 * 60_000;

async function build(toolsDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<MinioBinary> {
  const target = cachedMinioPath(toolsDir);
  // Built next to the target (same file system), then renamed: a reader never runs a half-written binary.
  const work = await mkdtemp(path.join(toolsDir, 'minio-build-'));
  const started = Date.now();
  const ticker = setInterval(() => log(`still building MinIO (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  // Static, stripped and path-free: the binary does not depend on this machine's libc or paths.
  const goEnv = { ...env, CGO_ENABLED: '0', GOBIN: work };
  const flags = ['-trimpath', '-ldflags', '-s -w'];
  log(`building MinIO ${MINIO_VERSION} from Go modules into ${target} (takes minutes the first time)`);
  try {
    try {
      await run('go', ['install', ...flags, `${MINIO_MODULE}@${MINIO_VERSION}`], {
        env: goEnv,
        timeout: BUILD_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const stderr = stderrOf(err);
      // `go install pkg@version` refuses modules whose go.mod has replace/exclude directives; a
      // throwaway main module that requires MinIO builds the same code without that restriction.
      if (!/replace|exclude/i.test(stderr)) throw err;
      log('`go install` refused the module (replace/exclude directives); building through a throwaway go.mod');
      await buildViaThrowawayModule(work, goEnv, flags);
    }
    const built = path.join(work, 'minio');
    const found = await probe(built, 'built');
    if (!found) throw new Error('the built binary does not answer `minio --version`');
    await rename(built, target);
    await writeFile(stampPath(toolsDir), `${MINIO_VERSION}\n`);
    const size = (await stat(target)).size;
    log(`built MinIO in ${Math.round((Date.now() - started) / 1000)} s (${(size / 1024 / 1024).toFixed(0)} MiB): ${target}`);
    return { ...found, path: target };
  } catch (err) {
    // The end of a Go error names the failing package.
    const reason = lastLines(stderrOf(err) || (err instanceof Error ? err.message : String(err)));
    throw new MinioUnavailable(
      `building MinIO ${MINIO_VERSION} from Go modules failed: ${reason}`,
      'install Go (1.24+) and make the Go module proxy reachable, then rerun; or set MINIO_PATH to a MinIO server binary',
    );
  } finally {
    clearInterval(ticker);
    await rm(work, { recursive: true, force: true });
  }
}

async function buildViaThrowawayModule(work: string, goEnv: NodeJS.ProcessEnv, flags: string[]): Promise<void> {
  const mod = path.join(work, 'mod');
  await mkdir(mod);
  const opts = { cwd: mod, env: goEnv, timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 };
  await run('go', ['mod', 'init', 'ctxpack.local/minio-build'], opts);
  await run('go', ['get', `${MINIO_MODULE}@${MINIO_VERSION}`], opts);
  await run('go', ['build', ...flags, '-o', path.join(work, 'minio'), MINIO_MODULE], opts);
}

/** Runs `<candidate> --version`; undefined when it is not a working MinIO. */
async function probe(candidate: string, source: MinioSource): Promise<MinioBinary | undefined> {
  try {
    const { stdout } = await run(candidate, ['--version'], { timeout: 30_000 });
    const versionLine = stdout.trim().split('\n')[0]?.trim() ?? '';
    if (!/^minio version /.test(versionLine)) return undefined;
    return { path: path.resolve(candidate), versionLine, source };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Running a throwaway server

/** Options for {@link startMinio}. */
export interface StartMinioOptions {
  /** The server's data directory (created if missing; left in place on stop: the caller owns it). */
  readonly dataDir: string;
  /** A binary to run. Default: {@link resolveMinio} (building it if needed). */
  readonly binary?: MinioBinary;
  /** How long to wait for `/minio/health/ready`. Default: 60 s. */
  readonly readyTimeoutMs?: number;
  /** Progress lines (only the build, if one is needed, is slow). */
  readonly log?: (line: string) => void;
  /** Listen on this port (e.g. to restart a stopped server where clients expect it). Default: a free one. */
  readonly port?: number;
  /** Root credentials to reuse (with `port` and the same `dataDir`, a restart of the same server). */
  readonly credentials?: { readonly accessKey: string; readonly secretKey: string };
}

/** A MinIO server listening on loopback, with throwaway root credentials. */
export interface RunningMinio {
  /** `http://127.0.0.1:<port>`: the S3 API. */
  readonly endpoint: string;
  /** `http://127.0.0.1:<port>`: the web console (on its own free port). */
  readonly consoleUrl: string;
  /** The root user: a test credential, valid only for this server. */
  readonly accessKey: string;
  /** The root password: random per server. */
  readonly secretKey: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts MinIO on a free loopback port (console on another), waits until `/minio/health/ready`
 * answers 200, and returns its endpoint and root credentials. The server is also killed when this
 * process exits, so a crashed test run does not leave it behind.
 */
export async function startMinio(options: StartMinioOptions): Promise<RunningMinio> {
  const binary = options.binary ?? (await resolveMinio(options.log ? { log: options.log } : {}));
  await mkdir(options.dataDir, { recursive: true });
  return startOnFreshPorts(() => startOnce(binary, options), (err) => err instanceof PortTaken);
}

class PortTaken extends Error {}

async function startOnce(binary: MinioBinary, options: StartMinioOptions): Promise<RunningMinio> {
  const [freeA, freeB] = (await freePorts(2)) as [number, number];
  const [port, consolePort] = [options.port ?? freeA, freeB];
  const accessKey = options.credentials?.accessKey ?? 'ctxpack-test';
  const secretKey = options.credentials?.secretKey ?? `test-${randomBytes(12).toString('hex')}`;
  // MinIO keeps TLS material under ~/.minio by default; a temp dir keeps the user's home untouched.
  const certsDir = await mkdtemp(path.join(tmpdir(), 'ctxpack-minio-certs-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The parent's MinIO/AWS settings must not change this throwaway server.
    if (!key.startsWith('MINIO_') && !key.startsWith('AWS_')) env[key] = value;
  }
  Object.assign(env, {
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    // No update checks or telemetry: the only network this machine has is loopback and registries.
    MINIO_UPDATE: 'off',
    MINIO_CALLHOME_ENABLE: 'off',
    // Allows a data dir on the root disk (test temp dirs usually are), which MinIO otherwise refuses.
    MINIO_CI_CD: 'on',
  });
  const child = spawn(
    binary.path,
    [
      'server',
      options.dataDir,
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--certs-dir',
      certsDir,
      '--quiet',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const served = serveProcess(child, { keepChars: 8_000, afterStop: () => rm(certsDir, { recursive: true, force: true }) });
  const stop = (): Promise<void> => served.stop();

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    await served.ready(`${endpoint}/minio/health/ready`, timeoutMs, (why, detail) =>
      why === 'exited'
        ? new MinioUnavailable(`MinIO exited before it was ready (${detail})`, 'check the message above; the data directory must be writable')
        : new MinioUnavailable(`MinIO did not become ready within ${timeoutMs} ms: ${detail}`, 'raise readyTimeoutMs on a slow machine, or check the output above'),
    );
  } catch (err) {
    await stop();
    // A fixed port is the caller's choice: retrying it would fail the same way.
    if (options.port === undefined && /address already in use/i.test(served.output())) throw new PortTaken(String(err));
    throw err;
  }
  return { endpoint, consoleUrl: `http://127.0.0.1:${consolePort}`, accessKey, secretKey, stop };
}

// ---------------------------------------------------------------------------------------------

function stderrOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'stderr' in err && typeof err.stderr === 'string' ? err.stderr : '';
}


// `node --import tsx test/tools/minio.ts --install`: CI's pre-build step (no CLI framework needed).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  if (!process.argv.includes('--install')) {
    console.error('usage: node --import tsx test/tools/minio.ts --install');
    process.exit(2);
  }
  installMinio({ log: (line) => console.log(`minio: ${line}`) }).then(
    (binary) => console.log(`minio: ${binary.versionLine} (${binary.source}) at ${binary.path}`),
    (err: unknown) => {
      console.error(err instanceof MinioUnavailable ? `${err.message}\nfix: ${err.fix}` : err);
      process.exit(1);
    },
  );
}
