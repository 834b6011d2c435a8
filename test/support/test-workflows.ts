/**
 * The workflow bundle tests run: the product's workflows plus small probes used by the smoke tests.
 * Bundled once per test run by the global setup.
 */
export * from '../../workflows/index.js';
export * from './smoke-workflows.js';
