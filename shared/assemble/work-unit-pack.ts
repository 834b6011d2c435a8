/** Builds a WorkUnitContextPack for one role from a work unit and the workspace's files. */
import { builderInfo } from '../builder.js';
import { hashCanonical } from '../hash.js';
import { toSortedSet, type Source } from '../schema/common.js';
import { parseOrThrow } from '../schema/parse.js';
import type { RoleContextPack } from '../schema/role-pack.js';
import { WorkUnitContextPack } from '../schema/work-unit-pack.js';
import { TOKENIZER } from '../tokens.js';
import type { Workspace } from '../workspace-fs.js';
import { loadWorkUnit, type WorkUnitRef } from './inputs.js';
import { buildPayload } from './payload.js';

export async function buildWorkUnitPack(
  workspace: Workspace,
  workUnit: WorkUnitRef,
  rolePack: RoleContextPack,
  rolePackHash: string,
): Promise<WorkUnitContextPack> {
  const loaded = await loadWorkUnit(workspace, workUnit);
  const unit = loaded.value;

  const requiredFiles = [];
  const sources = new Map<string, Source>();
  sources.set(`work-unit:${loaded.path}`, { source_id: `work-unit:${loaded.path}`, source_hash: loaded.hash });
  for (const [index, path] of unit.required_files.entries()) {
    const { sha256, bytes } = await workspace.hashFile(path, `work_unit.required_files[${index}]`);
    requiredFiles.push({ path, sha256, bytes });
    sources.set(`file:${path}`, { source_id: `file:${path}`, source_hash: sha256 });
  }

  const built = await buildPayload(workspace, unit, {
    governance: rolePack.governance_mode,
    payloadTokens: rolePack.budgets.payload_tokens,
  });
  for (const source of built.sources) sources.set(source.source_id, source);
  const sortedSources = toSortedSet(sources.values(), (s) => s.source_id);

  const pack = {
    kind: 'WorkUnitContextPack',
    schema_version: 1,
    job_id: unit.job_id,
    work_packet_id: unit.work_packet_id,
    micro_tasks: unit.micro_tasks,
    role: rolePack.role,
    role_pack_hash: rolePackHash,
    required_files: toSortedSet(requiredFiles, (f) => f.path),
    verification: unit.verification,
    payload: built.payload,
    budgets: {
      tokenizer: { ...TOKENIZER },
      payload_tokens: { limit: rolePack.budgets.payload_tokens, used: built.tokensUsed },
    },
    sources: sortedSources,
    sources_hash: hashCanonical(sortedSources),
    redactions: built.redactions,
    builder: builderInfo(),
  };
  return parseOrThrow(WorkUnitContextPack, pack, `work-unit pack for job "${unit.job_id}"`);
}
