import { defineConfig } from 'vitest/config';

/**
 * `npm run test:consumer`: the packed tarball installed into fresh projects (test/package/tarball.consumer.ts).
 * No global dev server: each case starts the plain one it needs.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.consumer.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
