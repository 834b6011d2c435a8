import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:load`: the load test, kept out of the default run for its length. */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/load/**/*.load.ts'], testTimeout: 900_000 } });
