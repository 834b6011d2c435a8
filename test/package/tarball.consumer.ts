/**
 * The package as a new user meets it: `npm pack`, the tarball installed into empty plain-JavaScript
 * ESM projects next to the Temporal SDK at each peer version we support, then plain `node` (20, 22
 * and 24) importing both entry points, `npx ctxpack --help`, the `./workflow` entry bundled for the
 * workflow sandbox, a worker running the user's own workflow next to the plugin against a dev server
 * started without search attributes, and a strict NodeNext TypeScript consumer.
 *
 * Run by `npm run test:consumer` (its own vitest config: it installs packages, so it is slow).
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CTXPACK_SEARCH_ATTRIBUTES } from '../../shared/core/search-attributes.js';
import { freePort, freePorts } from '../../cli/tools/free-port.js';
import { resolveTemporalCli } from '../../cli/temporal/cli-resolver.js';
import { PUBLIC_NAMES, WORKFLOW_NAMES } from './public-names.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./consumer/', import.meta.url));
/** The SDK versions the peer range covers; each gets its own consumer project. */
const SDK_VERSIONS = ['1.24.0', '1.23.0'] as const;
const SDK_PACKAGES = ['activity', 'client', 'common', 'envconfig', 'plugin', 'proto', 'worker', 'workflow'];

let scratch: string;
let tarball: string;
const projects = new Map<string, string>();
const nodes = new Map<number, string>();

async function sh(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  return run(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
}

/** A Node binary of `major` from the npm registry's `node` package (`npx -y node@24`), or this one. */
async function nodeBinary(major: number): Promise<string> {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const { stdout } = await sh('npx', ['-y', `node@${major}`, '-p', 'process.execPath'], { cwd: scratch });
  return stdout.trim();
}

async function consumerProject(sdk: string): Promise<string> {
  const dir = path.join(scratch, `consumer-sdk-${sdk}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${sdk.replaceAll('.', '-')}`, private: true, type: 'module' }, null, 2)}\n`);
  for (const file of ['workflows.js', 'activities.js', 'worker.mjs', 'check-imports.mjs', 'check-require.cjs', 'bundle.mjs']) {
    await cp(path.join(FIXTURE, file), path.join(dir, file));
  }
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...SDK_PACKAGES.map((name) => `@temporalio/${name}@${sdk}`)], { cwd: dir });
  return dir;
}

/** A plain `temporal server start-dev`: no search attributes registered, as a user's own would be. */
async function plainDevServer(): Promise<{ address: string; stop: () => Promise<void> }> {
  const cli = await resolveTemporalCli();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(cli.path, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const connection = await Connection.connect({ address, connectTimeout: 1000 }).catch(() => undefined);
    if (connection) {
      const ready = await connection.workflowService.describeNamespace({ namespace: 'default' }).then(() => true, () => false);
      await connection.close();
      if (ready) break;
    }
    if (Date.now() > deadline) throw new Error(`no dev server on ${address} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    address,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function customSearchAttributes(address: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return listed.customAttributes ?? {};
  } finally {
    await connection.close();
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'ctxpack-consumer-'));
  // `npm pack` runs the package's `prepare` (the build), exactly as a publish would.
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: REPO });
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; entryCount: number; size: number }>;
  tarball = path.join(scratch, packed[0]?.filename ?? '');
  for (const sdk of SDK_VERSIONS) projects.set(sdk, await consumerProject(sdk));
  for (const major of [20, 22, 24]) nodes.set(major, await nodeBinary(major));
}, 1_200_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const project = (sdk: string) => projects.get(sdk) as string;
const node = (major: number) => nodes.get(major) as string;

describe('the packed tarball', () => {
  it('holds the compiled entry points, schemas, example workspace and licence, and no tests, bench or CI', async () => {
    const { stdout } = await sh('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').map((line) => line.replace(/^package\//, ''));
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/workflow.js', 'dist/workflow.d.ts', 'dist/cli/main.js', 'schemas/role-context-pack.schema.json', 'examples/workspace/.ctxpack/roles/coder.yaml', 'LICENSE', 'README.md', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(test|bench|\.ci|docs)\//.test(f) || /\.ts$/.test(f) && !f.endsWith('.d.ts') || /vitest|tsconfig/.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('.ctxpack/store') || f.includes('.ctxpack/cache'))).toEqual([]);
  });

  it('declares the Temporal SDK as a peer, so the consumer holds one copy of it', async () => {
    const manifest = JSON.parse(await readFile(path.join(project('1.24.0'), 'node_modules/context-packs/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@temporalio/') || name === 'tsx' || name === 'vitest' || name === 'typescript')).toEqual([]);
    expect(Object.keys(manifest.peerDependencies)).toEqual(expect.arrayContaining(SDK_PACKAGES.map((name) => `@temporalio/${name}`)));
    for (const sdk of SDK_VERSIONS) {
      const nested = await readdir(path.join(project(sdk), 'node_modules/context-packs/node_modules/@temporalio')).catch(() => []);
      expect(nested, `a second SDK copy under context-packs (SDK ${sdk})`).toEqual([]);
      const worker = JSON.parse(await readFile(path.join(project(sdk), 'node_modules/@temporalio/worker/package.json'), 'utf8')) as { version: string };
      expect(worker.version).toBe(sdk);
    }
    const size = await folderBytes(path.join(project('1.24.0'), 'node_modules/context-packs'));
    const all = await folderBytes(path.join(project('1.24.0'), 'node_modules'));
    console.log(`install size: context-packs ${(size / 1e6).toFixed(1)} MB; node_modules with the SDK ${(all / 1e6).toFixed(0)} MB`);
    expect(size).toBeLessThan(10e6);
  });
});

describe.each([
  [20, '1.24.0'],
  [22, '1.24.0'],
  [24, '1.24.0'],
  [20, '1.23.0'],
] as const)('on Node %i with SDK %s', (major, sdk) => {
  it('imports . and ./workflow with plain node, exporting exactly the pinned public names', async () => {
    const { stdout } = await sh(node(major), ['check-imports.mjs'], { cwd: project(sdk) });
    const names = JSON.parse(stdout) as { main: string[]; workflow: string[]; node: string };
    expect(names.node.split('.')[0]).toBe(String(major));
    expect(names.main).toEqual([...PUBLIC_NAMES].sort());
    expect(names.workflow).toEqual([...WORKFLOW_NAMES].sort());
    // CommonJS projects can require() the same entry points.
    const required = JSON.parse((await sh(node(major), ['check-require.cjs'], { cwd: project(sdk) })).stdout) as { main: string[]; workflow: string[] };
    expect(required).toEqual({ main: names.main, workflow: names.workflow });
  });

  it('runs `npx ctxpack --help` from compiled code', async () => {
    const { stdout } = await sh('npx', ['--no-install', 'ctxpack', '--help'], {
      cwd: project(sdk),
      env: { PATH: `${path.dirname(node(major))}${path.delimiter}${process.env['PATH'] ?? ''}` },
    });
    expect(stdout).toContain('Usage: ctxpack');
    for (const command of ['assemble', 'verify', 'worker', 'setup', 'replay']) expect(stdout).toContain(command);
  });

  it("runs the user's own workflow and a governed job in one worker, on a dev server started without search attributes", async () => {
    const server = await plainDevServer();
    try {
      expect(Object.keys(await customSearchAttributes(server.address)).filter((name) => name.startsWith('CtxPack'))).toEqual([]);
      const { stdout } = await sh(node(major), ['worker.mjs'], { cwd: project(sdk), env: { TEMPORAL_ADDRESS: server.address }, timeout: 240_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { greeting: string; status: string; invocations: number; pack: string | null; node: string };
      expect(result.node.split('.')[0]).toBe(String(major));
      expect(result.greeting).toBe('hello, team');
      expect(result.status).toBe('passed');
      expect(result.invocations).toBeGreaterThan(0);
      expect(result.pack).toMatch(/^sha256:[0-9a-f]{64}$/);
      // The plugin registered its attributes at worker start.
      expect(Object.keys(await customSearchAttributes(server.address))).toEqual(expect.arrayContaining(CTXPACK_SEARCH_ATTRIBUTES.map((key) => key.name)));
    } finally {
      await server.stop();
    }
  });
});

describe('`npx ctxpack doctor` from the installed package', () => {
  it('keeps its tool cache in the user cache directory, never inside node_modules', async () => {
    const cache = path.join(scratch, 'xdg-cache');
    const result = await sh('npx', ['--no-install', 'ctxpack', 'doctor', '--no-install', '--json'], {
      cwd: project('1.24.0'),
      env: { XDG_CACHE_HOME: cache, TEMPORAL_CLI_PATH: '', CTXPACK_TOOLS_DIR: '', PATH: `${path.dirname(process.execPath)}${path.delimiter}/usr/bin${path.delimiter}/bin`, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '' }),
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { temporalCli: { fix: string; error: string } };
    expect(report.temporalCli.error).toContain(path.join(cache, 'context-packs'));
    expect(report.temporalCli.fix).toContain(path.join(cache, 'context-packs'));
    expect(`${report.temporalCli.error} ${report.temporalCli.fix}`).not.toContain('node_modules');
  });
});

describe('`npx ctxpack dev` from the installed package', () => {
  it('bundles the compiled workflows, runs the demo on the packaged example workspace and exits', async () => {
    const cli = await resolveTemporalCli();
    const { stdout, stderr } = await sh('npx', ['--no-install', 'ctxpack', 'dev', '--exit-after-demo', ...(await freePorts(2)).flatMap((port, i) => [i === 0 ? '--port' : '--ui-port', String(port)])], {
      cwd: project('1.24.0'),
      env: { TEMPORAL_CLI_PATH: cli.path, TEMPORAL_ADDRESS: '', NO_COLOR: '1' },
      timeout: 240_000,
    });
    expect(stderr).toMatch(/swap back to tiny-coder-1b \(nothing changed\): reused/);
    expect(stderr).toMatch(/escalated to big-coder-14b@local-large/);
    expect(stdout).toMatch(/status\s+passed/);
  });
});

describe('the ./workflow entry', () => {
  it('bundles for the workflow sandbox from the installed tarball, while the worker entry does not', async () => {
    const { stdout } = await sh(process.execPath, ['bundle.mjs', 'context-packs/workflow'], { cwd: project('1.24.0') });
    expect(JSON.parse(stdout)).toMatchObject({ governedJob: true });
    // The control: the worker-side entry imports Node modules, and the bundler says so.
    const refused = await sh(process.execPath, ['bundle.mjs', 'context-packs'], { cwd: project('1.24.0') }).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/node:fs|node:crypto|disallowed/);
  });
});

describe('a TypeScript consumer', () => {
  it('compiles with module NodeNext and strict with zero errors, its output runs, and our .d.ts files check clean', async () => {
    const dir = path.join(scratch, 'ts-consumer');
    await cp(path.join(FIXTURE, 'ts'), dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'ts-consumer', private: true, type: 'module' })}\n`);
    await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...SDK_PACKAGES.map((name) => `@temporalio/${name}@1.24.0`), 'typescript@5.9', '@types/node@20'], { cwd: dir });
    const tsc = (args: string[]) =>
      sh(path.join(dir, 'node_modules/.bin/tsc'), args, { cwd: dir }).then(
        () => ({ ok: true, out: '' }),
        (err: { stdout?: string }) => ({ ok: false, out: err.stdout ?? '' }),
      );
    const compiled = await tsc(['-p', '.']);
    expect(compiled.out).toBe('');
    expect(compiled.ok).toBe(true);
    // With skipLibCheck off every .d.ts is checked too: the SDK's own (and its untyped `ms`) have
    // errors under these flags that are not ours to fix, but none may be in context-packs' files.
    const strict = await tsc(['-p', '.', '--skipLibCheck', 'false', '--noEmit']);
    const ours = strict.out.split('\n').filter((line) => line.includes('node_modules/context-packs/'));
    expect(ours).toEqual([]);
    const { stdout } = await sh(process.execPath, ['out/main.js'], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({
      plugin: 'context-packs',
      workflow: 'governedJob',
      query: 'packState',
      update: 'requestModelSwap',
      swap: 'r-1',
      describe: 'none none',
      rejectsEmptyPack: true,
    });
  });
});
