// Imports both entry points with plain Node (no loader) and prints their export names.
const main = await import('context-packs');
const workflow = await import('context-packs/workflow');
process.stdout.write(`${JSON.stringify({ main: Object.keys(main).sort(), workflow: Object.keys(workflow).sort(), node: process.versions.node })}\n`);
