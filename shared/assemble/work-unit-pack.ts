/** Builds a WorkUnitContextPack for one role from a work unit and the workspace's files. */
import { builderInfo } from '../builder.js';
import { hashCanonical } from '../hash.js';
import { toSortedSet, type Source } from '../schema/common.js';
import { parseOrThrow } from '../schema/parse.js';
import type { RoleContextPack } from '../schema/role-pack.js';
import { WorkUnitContextPack } from '../schema/work-unit-pack.js';
import { TOKENIZER } from '../tokens.js';
import { PackBudgetExceeded } from '../errors.js';
import { renderPacks } from '../render.js';
import { estimateMessages, renderingBudget } from '../request-fit.js';
import type { RequestFit } from '../schema/providers.js';
import type { Workspace } from '../workspace-fs.js';
import { hashFilesCached } from './hash-cache.js';
import { loadWorkUnit, type WorkUnitRef } from './inputs.js';
import { buildPayload } from './payload.js';

/** Tokens kept free in a model's context window for the role prefix's framing and the answer. */
export const RESPONSE_RESERVE_TOKENS = 1024;

/**
 * The payload limit for a model: the role's payload budget, or less when the model's context window
 * cannot hold it next to the strict rules and room to answer. A smaller window means a re-trimmed
 * (and so rebuilt) pack: the model only ever sees what fits.
 */
export function payloadLimit(rolePack: RoleContextPack, contextWindow: number | undefined): number {
  if (contextWindow === undefined) return rolePack.budgets.payload_tokens;
  const room = contextWindow - rolePack.strict_rules_tokens_used - RESPONSE_RESERVE_TOKENS;
  return Math.max(1, Math.min(rolePack.budgets.payload_tokens, room));
}

export interface WorkUnitPackOptions {
  /** The target model's context window (from the provider registry); trims the payload to fit. */
  readonly contextWindow?: number;
  /** The model's RequestFit (registry): the whole rendered request, not only the payload, must fit. */
  readonly requestFit?: RequestFit;
}

/** Trims are re-measured at most this often; each pass cuts by the measured excess, so two usually do. */
const FIT_PASSES = 8;

/**
 * Builds the pack, and with a RequestFit re-builds it with a smaller payload limit until its longest
 * rendering (over the micro-tasks) fits the model's window. Deterministic: every pass depends only on
 * the inputs and the estimator.
 */
export async function buildWorkUnitPack(
  workspace: Workspace,
  workUnit: WorkUnitRef,
  rolePack: RoleContextPack,
  rolePackHash: string,
  options: WorkUnitPackOptions = {},
): Promise<WorkUnitContextPack> {
  const { contextWindow, requestFit } = options;
  if (contextWindow === undefined || requestFit === undefined) return buildAtLimit(workspace, workUnit, rolePack, rolePackHash, payloadLimit(rolePack, contextWindow));
  const budget = renderingBudget(contextWindow, requestFit);
  let limit = Math.min(rolePack.budgets.payload_tokens, Math.max(1, budget - rolePack.strict_rules_tokens_used));
  let smallest = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < FIT_PASSES; pass++) {
    let pack: WorkUnitContextPack;
    try {
      pack = await buildAtLimit(workspace, workUnit, rolePack, rolePackHash, limit);
    } catch (err) {
      // Cut to the synopsis and hard constraints and still too long: say so in the window's terms.
      if (err instanceof PackBudgetExceeded && pass > 0) break;
      throw err;
    }
    const packHash = hashCanonical(pack);
    const longest = Math.max(
      ...pack.micro_tasks.map((task) =>
        estimateMessages(renderPacks({ rolePack, rolePackHash, workUnitPack: pack, workUnitPackHash: packHash, microTaskId: task.id }).messages),
      ),
    );
    if (longest <= budget) return pack;
    smallest = Math.min(smallest, longest);
    limit -= longest - budget;
    if (limit < 1) break;
  }
  throw new PackBudgetExceeded(
    `the rendered request does not fit a ${contextWindow}-token window with its request_fit reserves (${budget} estimated tokens for the messages; the shortest rendering tried takes ${smallest}): the role prefix, task framing, synopsis and hard constraints alone are too long`,
    'raise the model\'s context_window, lower request_fit.answer_tokens / feedback_tokens in .ctxpack/providers.yaml, or shorten the role\'s strict rules',
    { limit: budget },
  );
}

async function buildAtLimit(
  workspace: Workspace,
  workUnit: WorkUnitRef,
  rolePack: RoleContextPack,
  rolePackHash: string,
  limit: number,
): Promise<WorkUnitContextPack> {
  const loaded = await loadWorkUnit(workspace, workUnit);
  const unit = loaded.value;

  const requiredFiles = [];
  const sources = new Map<string, Source>();
  sources.set(`work-unit:${loaded.path}`, { source_id: `work-unit:${loaded.path}`, source_hash: loaded.hash });
  const wanted = unit.required_files.map((path, index) => ({ path, field: `work_unit.required_files[${index}]` }));
  for (const { path, sha256, bytes } of await hashFilesCached(workspace, wanted)) {
    requiredFiles.push({ path, sha256, bytes });
    sources.set(`file:${path}`, { source_id: `file:${path}`, source_hash: sha256 });
  }

  const built = await buildPayload(workspace, unit, {
    governance: rolePack.governance_mode,
    payloadTokens: limit,
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
      payload_tokens: { limit, used: built.tokensUsed },
    },
    sources: sortedSources,
    sources_hash: hashCanonical(sortedSources),
    redactions: built.redactions,
    builder: builderInfo(),
  };
  return parseOrThrow(WorkUnitContextPack, pack, `work-unit pack for job "${unit.job_id}"`);
}
