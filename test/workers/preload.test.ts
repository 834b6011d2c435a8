/**
 * The plugin preloads zod into the reusable V8 context (workers/workflows-entry.ts): every bundle it
 * configures names the preload module, ahead of a user's own, and workflows still use zod as usual.
 * The run's test bundle preloads the same way, so every workflow test also runs on it.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { contextPacksPlugin, WORKFLOW_PRELOAD_MODULES } from '../../workers/plugin.js';
import { userZodWorkflow } from '../support/smoke-workflows.js';
import { testTemporal, uniqueTaskQueue } from '../support/temporal.js';

const USER_WORKFLOWS = fileURLToPath(new URL('../support/smoke-workflows.ts', import.meta.url));
const USER_PRELOAD = fileURLToPath(new URL('../support/user-preload.ts', import.meta.url));
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The body of the bundle's `preloadModules` function: the modules it requires, in order. */
function preloaded(code: string): string[] {
  const start = code.indexOf('preloadModules = function preloadModules()');
  const body = code.slice(start, code.indexOf('}', start));
  return [...body.matchAll(/\/\*! (\S+) \*\//g)].map((m) => m[1] as string);
}

describe('the plugin preloads zod for the workflow sandbox', () => {
  it("adds its preload module to a bundle, ahead of the user's own, once", async () => {
    const plugin = contextPacksPlugin({ workspaces: {} });
    const bundle = await bundleWorkflowCode({ workflowsPath: USER_WORKFLOWS, preloadModules: [USER_PRELOAD, ...WORKFLOW_PRELOAD_MODULES], plugins: [plugin], logger: quiet });
    const modules = preloaded(bundle.code);
    expect(modules).toHaveLength(3);
    expect(modules[0]).toMatch(/workflows\/zod-preload\.ts$/);
    expect(modules[1]).toMatch(/workflows\/schemas\.ts$/);
    expect(modules[2]).toMatch(/support\/user-preload\.ts$/);
  });

  it('sets the preload modules on a worker it configures, keeping the bundler options the user gave', () => {
    const plugin = contextPacksPlugin({ workspaces: {} });
    const hook = (config: object) => config;
    const options = plugin.configureWorker({ taskQueue: 'q', workflowsPath: USER_WORKFLOWS, bundlerOptions: { ignoreModules: ['left-pad'], webpackConfigHook: hook } });
    expect(options.bundlerOptions?.preloadModules).toEqual([...WORKFLOW_PRELOAD_MODULES]);
    expect(options.bundlerOptions?.ignoreModules).toEqual(['left-pad']);
    expect(typeof options.bundlerOptions?.webpackConfigHook).toBe('function');
    const ours = plugin.configureWorker({ taskQueue: 'q' });
    expect(ours.bundlerOptions?.preloadModules).toEqual([...WORKFLOW_PRELOAD_MODULES]);
    const prebuilt = plugin.configureWorker({ taskQueue: 'q', workflowBundle: { code: '' } });
    expect(prebuilt.bundlerOptions).toBeUndefined();
  });

  it('preloads nothing of its own when told not to (preloadWorkflowModules: false), keeping the user\'s', async () => {
    const plugin = contextPacksPlugin({ workspaces: {}, preloadWorkflowModules: false });
    expect(plugin.configureWorker({ taskQueue: 'q' }).bundlerOptions?.preloadModules).toEqual([]);
    const bundle = await bundleWorkflowCode({ workflowsPath: USER_WORKFLOWS, preloadModules: [USER_PRELOAD], plugins: [plugin], logger: quiet });
    const modules = preloaded(bundle.code);
    expect(modules).toHaveLength(1);
    expect(modules[0]).toMatch(/support\/user-preload\.ts$/);
  });

  it("runs a user's zod schemas in concurrent workflows on the shared library: defaults, refinements, messages", async () => {
    const { nativeConnection, namespace, client } = await testTemporal();
    const taskQueue = uniqueTaskQueue('user-zod');
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: USER_WORKFLOWS,
      plugins: [contextPacksPlugin({ workspaces: {} })],
    });
    const inputs: unknown[] = [
      { id: 'o-1', items: [{ sku: 'a', qty: 2 }] },
      { id: 'o-2', items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }, { sku: 'c', qty: 1 }, { sku: 'd', qty: 1 }] },
      { id: 'x', items: [], extra: true },
    ];
    const results = await worker.runUntil(() =>
      Promise.all(inputs.map((input) => client.workflow.execute(userZodWorkflow, { taskQueue, workflowId: `user-zod-${randomUUID()}`, args: [input] }))),
    );
    expect(results[0]).toEqual({ ok: true, value: { id: 'o-1', items: [{ sku: 'a', qty: 2 }], note: '' } });
    expect(results[1]).toEqual({ ok: false, issues: ['priority: more than 3 items needs priority high'] });
    expect(results[2]?.ok).toBe(false);
    expect(results[2]?.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^id: /), expect.stringMatching(/^items: /), expect.stringMatching(/extra/)]));
  });
});
