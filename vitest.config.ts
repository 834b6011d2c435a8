import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-model suite has its own config (vitest.model.config.ts: npm run test:model).
    exclude: [...configDefaults.exclude, 'test/model/**'],
    // One real Temporal dev server and one workflow bundle for the whole run (see the setup file).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    // Workers use native threads and child processes; forks isolate them better than worker threads.
    pool: 'forks',
    testTimeout: 60_000,
    // Tests reach loopback only: the AWS SDK must never fall back to the instance metadata address.
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
