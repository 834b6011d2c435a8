import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run record:histories`: runs the scenarios in test/replay/*.record.ts on the dev server and
 * writes their histories to test/fixtures/histories/ for the replay test. Rerun after a deliberate,
 * versioned workflow change; never to make a failing replay pass.
 */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/replay/**/*.record.ts'] } });
