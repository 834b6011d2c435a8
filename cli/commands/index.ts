/**
 * Every `ctxpack` command: its name, the one line `--help` shows, and how to load it. A command's
 * module (and what it imports: the Temporal SDK, the AWS SDK, the pack engine) is loaded only when
 * that command runs, so `ctxpack --help` starts in a fraction of a second.
 */
import type { Command } from 'commander';

export interface CommandEntry {
  readonly description: string;
  readonly load: () => Promise<(command: Command) => void>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  doctor: {
    description: 'check the Node version, Temporal SDK, Temporal CLI, server reachability and the pack store',
    load: async () => (await import('./doctor.js')).registerDoctor,
  },
  setup: {
    description: 'add (or --check) the search attributes governed jobs write on the namespace',
    load: async () => (await import('./setup.js')).registerSetup,
  },
  dev: {
    description: 'run a local Temporal dev server, Web UI and worker, and the demo job; Ctrl-C stops them',
    load: async () => (await import('./dev.js')).registerDev,
  },
  assemble: {
    description: 'build and store the role pack and work-unit pack for a role and a work unit',
    load: async () => (await import('./assemble.js')).registerAssemble,
  },
  verify: {
    description: 're-hash and schema-check a pack (and the role pack a work-unit pack names); exits 1 on any problem',
    load: async () => (await import('./verify.js')).registerVerify,
  },
  diff: {
    description: 'show what changed between two packs (rules, tools, lock set, files, payload items)',
    load: async () => (await import('./diff.js')).registerDiff,
  },
  schema: {
    description: 'write JSON Schema files for packs and workspace inputs',
    load: async () => (await import('./schema.js')).registerSchema,
  },
  start: {
    description: 'start a governed job',
    load: async () => (await import('./start.js')).registerStart,
  },
  swap: {
    description: 'swap (or escalate) the model of a running governed job',
    load: async () => (await import('./swap.js')).registerSwap,
  },
  show: {
    description: 'show role, model/provider, pack hash, lock paths, cloud tier, position and swap log of a job',
    load: async () => (await import('./show.js')).registerShow,
  },
  list: {
    description: 'list governed jobs, filtered by role, model, provider or pack hash',
    load: async () => (await import('./list.js')).registerList,
  },
  replay: {
    description: 'replay a governed job with the current code; list what every model invocation saw',
    load: async () => (await import('./replay.js')).registerReplay,
  },
  gc: {
    description: 'list (dry run) or --delete stored packs no running or recently closed governed job references',
    load: async () => (await import('./gc.js')).registerGc,
  },
  worker: {
    description: 'run context-packs workers (general queue: workflows and model calls; workspace queues: assembly, tools, verification)',
    load: async () => (await import('./worker.js')).registerWorker,
  },
};
