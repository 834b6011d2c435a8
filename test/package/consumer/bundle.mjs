// Bundles an entry point of the installed package for the workflow sandbox, as a worker would.
// Usage: node bundle.mjs context-packs/workflow  -> prints the bundle size, or fails naming the modules.
import { createRequire } from 'node:module';
import { bundleWorkflowCode } from '@temporalio/worker';

const require = createRequire(import.meta.url);
// Quiet, but the bundler's errors (they name the modules the sandbox refuses) go to stderr.
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (message) => process.stderr.write(`${message}\n`) };
const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve(process.argv[2]), logger: silent });
process.stdout.write(`${JSON.stringify({ bytes: code.length, governedJob: code.includes('governedJob') })}\n`);
