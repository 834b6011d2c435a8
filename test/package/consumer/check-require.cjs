// A CommonJS consumer: require() of the ESM entry points (Node 20.19+, 22.12+ and 24 load ESM
// graphs without top-level await this way).
const main = require('context-packs');
const workflow = require('context-packs/workflow');
process.stdout.write(`${JSON.stringify({ main: Object.keys(main).sort(), workflow: Object.keys(workflow).sort() })}\n`);
