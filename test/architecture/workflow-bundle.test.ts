/**
 * Everything the workflow sandbox may load, bundled with Temporal's own workflow bundler (which
 * refuses Node built-ins): every module of shared/core, not only what workflows/ imports today, and
 * the workflows themselves. A Node import anywhere in that graph fails here, not in a user's worker.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, shippedModules } from './import-graph.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('the workflow sandbox', () => {
  it('bundles every shared/core module, workflows/ and the ./workflow entry', async () => {
    const sandboxed = shippedModules()
      .map((m) => m.file)
      .filter((file) => file.startsWith('shared/core/') || file.startsWith('workflows/') || file === 'workflow.ts');
    expect(sandboxed).toContain('shared/core/failures.ts');
    const dir = await mkdtemp(path.join(tmpdir(), 'ctxpack-sandbox-'));
    made.push(dir);
    const entry = path.join(dir, 'entry.ts');
    // Namespace re-exports keep each module's names apart; `workflows/index.ts` gives the workflow functions.
    const lines = sandboxed.map((file, i) => `export * as m${i} from ${JSON.stringify(path.join(REPO, file))};`);
    await writeFile(entry, `${lines.join('\n')}\nexport * from ${JSON.stringify(path.join(REPO, 'workflows/index.ts'))};\n`);
    const bundle = await bundleWorkflowCode({
      workflowsPath: entry,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      // The generated entry lives outside the checkout: resolve packages from the checkout's node_modules.
      webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, modules: [path.join(REPO, 'node_modules'), 'node_modules'] } }),
    });
    expect(bundle.code).toContain('governedJob');
    expect(bundle.code).not.toMatch(/require\(["']node:/);
  }, 180_000);
});
