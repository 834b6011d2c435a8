import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:model`: the suites against a real llama-server and a real model (Gemma 3 270M), on
 * the same real Temporal dev server as the main suite. The setup file finds or builds the model
 * server (cli/tools/llama-server.ts) and fails the run, loudly, when it cannot; CI builds it in an
 * install step before, so the build stays out of the test timeouts.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/model/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['test/model/support/model-setup.ts', ...(base.test?.globalSetup as string[])],
    // Real generation on 2 shared cores: one file at a time, so timings mean something.
    fileParallelism: false,
    testTimeout: 600_000,
  },
});
