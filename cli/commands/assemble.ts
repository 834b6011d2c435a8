/** `ctxpack assemble`: build, store and print a role pack and a work-unit pack. */
import { INPUT_LIMITS, readBoundedFile } from '../../shared/engine/bounded-read.js';
import path from 'node:path';
import type { Command } from 'commander';
// Only the assembly pipeline, not the builders: when the saved memo answers (nothing changed since the
// last run), the schemas, YAML parser, redactor and tokenizer are never loaded.
import { assembleAndStore, type AssembledPacks } from '../../shared/engine/assemble/packs.js';
import { derivedFromPacks } from '../../shared/engine/assemble/derived-cache.js';
import type { WorkUnitRef } from '../../shared/engine/assemble/inputs.js';
import { CtxPackError, PackSourceMissing } from '../../shared/core/errors.js';
import { shortHash } from '../../shared/engine/hash.js';
import { Workspace } from '../../shared/engine/workspace-fs.js';
import { storeFor } from '../store-option.js';
import { printJson, printTable } from '../output.js';

interface AssembleOptions {
  workspace: string;
  role: string;
  workUnit: string;
  store?: string;
  json?: boolean;
}

/** Adds the options and action of `ctxpack assemble` to its (already named and described) command. */
export function registerAssemble(command: Command): void {
  command
    .requiredOption('--workspace <dir>', 'the governed workspace')
    .requiredOption('--role <role>', 'role id (a file in <workspace>/.ctxpack/roles/)')
    .requiredOption('--work-unit <file>', 'work unit file (YAML or JSON)')
    .option('--store <dir>', 'pack store (file:DIR or DIR); default <workspace>/.ctxpack/store or CTXPACK_STORE')
    .option('--json', 'print one JSON object')
    .action(async (options: AssembleOptions) => {
      const workspace = await Workspace.open(options.workspace);
      const store = storeFor(options);
      const workUnit = await workUnitRef(workspace, options.workUnit);
      const packs = await assembleAndStore(workspace, options.role, workUnit, store);
      // What is printed depends on the packs alone: kept under their hashes, so a reuse (packs from the
      // saved memo) prints without parsing and rendering 10,000 required files again.
      const summary = await derivedFromPacks(workspace, 'assemble-summary', [packs.role.hash, packs.workUnit.hash], isSummary, () => summarize(packs));
      const result = {
        role_pack_hash: packs.role.hash,
        work_unit_pack_hash: packs.workUnit.hash,
        render_hash: summary.render_hash,
        prefix_hash: summary.prefix_hash,
        store_refs: packs.storeRefs,
        redactions: summary.redactions,
        warnings: summary.warnings,
      };
      const firstTask = summary.first_task;
      if (options.json) {
        printJson(result);
        return;
      }
      const redacted = result.redactions.reduce((sum, r) => sum + r.count, 0);
      printTable([
        ['role pack', `${result.role_pack_hash}  (${summary.role})`],
        ['work-unit pack', `${result.work_unit_pack_hash}  (${summary.job_id} / ${summary.work_packet_id})`],
        ['render', `${shortHash(result.render_hash)} (micro-task ${firstTask}); prefix ${shortHash(result.prefix_hash)}`],
        ['store', `${store.describe()}  ${result.store_refs.role.key}, ${result.store_refs.workUnit.key}`],
        ['redactions', redacted === 0 ? 'none' : result.redactions.map((r) => `${r.rule} x${r.count} in ${r.source_id}`).join('; ')],
        ['payload', `${summary.payload_used}/${summary.payload_limit} tokens`],
      ]);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    });
}

/** What `assemble` prints about a pair of packs, besides their hashes and store refs. */
interface AssembleSummary {
  readonly render_hash: string;
  readonly prefix_hash: string;
  readonly first_task: string;
  readonly redactions: readonly { readonly source_id: string; readonly rule: string; readonly count: number }[];
  readonly warnings: readonly string[];
  readonly role: string;
  readonly job_id: string;
  readonly work_packet_id: string;
  readonly payload_used: number;
  readonly payload_limit: number;
}

async function summarize(packs: AssembledPacks): Promise<AssembleSummary> {
  const { renderPacks } = await import('../../shared/engine/render.js');
  const unit = packs.workUnit.pack;
  const firstTask = unit.micro_tasks[0]?.id ?? '';
  const rendering = renderPacks({
    rolePack: packs.role.pack,
    rolePackHash: packs.role.hash,
    workUnitPack: unit,
    workUnitPackHash: packs.workUnit.hash,
    microTaskId: firstTask,
  });
  return {
    render_hash: rendering.render_hash,
    prefix_hash: rendering.prefix_hash,
    first_task: firstTask,
    redactions: unit.redactions,
    warnings: unit.payload.coverage.skipped.map((skip) => `payload item ${skip.ref} left out: ${skip.reason}`),
    role: `${packs.role.pack.role.id}@${packs.role.pack.role.version}`,
    job_id: unit.job_id,
    work_packet_id: unit.work_packet_id,
    payload_used: unit.budgets.payload_tokens.used,
    payload_limit: unit.budgets.payload_tokens.limit,
  };
}

function isSummary(value: unknown): value is AssembleSummary {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const strings = ['render_hash', 'prefix_hash', 'first_task', 'role', 'job_id', 'work_packet_id'].every((k) => typeof v[k] === 'string');
  const numbers = ['payload_used', 'payload_limit'].every((k) => typeof v[k] === 'number');
  const redactions =
    Array.isArray(v['redactions']) &&
    v['redactions'].every((r) => typeof r === 'object' && r !== null && typeof r.source_id === 'string' && typeof r.rule === 'string' && typeof r.count === 'number');
  return strings && numbers && redactions && Array.isArray(v['warnings']) && v['warnings'].every((w) => typeof w === 'string');
}

/** A file inside the workspace is referenced by its workspace path (a tracked source); one outside is read as an object. */
async function workUnitRef(workspace: Workspace, file: string): Promise<WorkUnitRef> {
  const absolute = path.resolve(file);
  const relative = path.relative(workspace.root, absolute);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return { path: relative.split(path.sep).join('/') };
  }
  let bytes: Buffer;
  try {
    // Non-blocking, regular files only, capped: a FIFO or /dev/zero is refused at once (bounded-read.ts).
    bytes = await readBoundedFile(absolute, '--work-unit', INPUT_LIMITS.definition);
  } catch (err) {
    if (err instanceof CtxPackError) throw err;
    throw new PackSourceMissing('--work-unit: the file it names cannot be read', 'pass an existing YAML or JSON file', {});
  }
  const { decodeUtf8, parseStructured } = await import('../../shared/engine/assemble/inputs.js');
  return { object: parseStructured(decodeUtf8(bytes, path.basename(file)), path.basename(file)) };
}
