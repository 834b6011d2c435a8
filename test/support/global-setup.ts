/**
 * Starts ONE real Temporal dev server for the whole test run (random free ports, a temp SQLite file,
 * the plugin's search attributes registered) and bundles the workflow code once. Tests receive the
 * server address and the bundle path through `inject()`. The server stops at the end even when tests
 * fail, because vitest always runs the returned teardown.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../cli/temporal/dev-server.js';
import { WORKFLOW_PRELOAD_MODULES } from '../../workers/workflows-entry.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    temporalUiUrl: string;
    temporalCliPath: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every temp folder of the run (workspace copies, stores, servers, child processes') goes under one
  // folder, removed at the end: test workers and their children inherit TMPDIR, so os.tmpdir() in
  // any of them points here, and nothing is left behind in the system temp dir.
  const runTmp = await mkdtemp(path.join(tmpdir(), 'ctxpack-run-'));
  // Tests that read the example workspace in place leave its hash cache and assembly memo behind;
  // removed at the end unless the checkout had them before the run.
  const exampleCache = fileURLToPath(new URL('../../examples/workspace/.ctxpack/cache', import.meta.url));
  const exampleCacheExisted = await stat(exampleCache).then(() => true, () => false);
  const previousTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = runTmp;
  const dir = await mkdtemp(path.join(runTmp, 'ctxpack-test-'));
  const server = await startDevServer({ dbFilename: path.join(dir, 'temporal.db') });
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./test-workflows.ts', import.meta.url)),
      // As the plugin bundles: zod shared across workflows (every workflow test runs on it).
      preloadModules: [...WORKFLOW_PRELOAD_MODULES],
      logger: quietLogger,
    });
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, bundle.code);
    project.provide('temporalAddress', server.address);
    project.provide('temporalNamespace', server.namespace);
    project.provide('temporalUiUrl', server.uiUrl ?? '');
    project.provide('temporalCliPath', server.cli.path);
    project.provide('workflowBundlePath', bundlePath);
  } catch (err) {
    await server.stop();
    await rm(runTmp, { recursive: true, force: true, maxRetries: 5 });
    throw err;
  }
  return async () => {
    await server.stop();
    if (previousTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previousTmp;
    // Some tests make files read-only or mount on them; chmod is not needed for root, and a
    // leftover mount point is unmounted by its test's own afterAll before this runs.
    await rm(runTmp, { recursive: true, force: true, maxRetries: 5 });
    if (!exampleCacheExisted) await rm(exampleCache, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
