/** Builds a WorkUnitContextPack for one role from a work unit and the workspace's files. */
import { builderInfo } from '../builder.js';
import { PackPathRejected } from '../../core/errors.js';
import { hashCanonical } from '../hash.js';
import { matchesAny } from '../../core/lock-set.js';
import { isPlainPath } from '../../core/paths.js';
import { Sanitizer, type SafeString } from '../sanitize.js';
import { toSortedSet, type Source } from '../../core/schema/common.js';
import { parseOrThrow } from '../../core/schema/parse.js';
import type { RoleContextPack } from '../../core/schema/role-pack.js';
import { plainPackListsValid, WorkUnitContextPack, WorkUnitContextPackPlainLists, type PackMicroTask, type PackVerification } from '../../core/schema/work-unit-pack.js';
import { ACCEPTANCE_MAX_CHARS, TITLE_MAX_CHARS, type WorkUnitDefinition } from '../../core/schema/work-unit.js';
import { TOKENIZER } from '../tokens.js';
import { PackBudgetExceeded } from '../../core/errors.js';
import { renderPacks } from '../render.js';
import { estimateMessages, renderingBudget } from '../request-fit.js';
import type { RequestFit } from '../../core/schema/providers.js';
import type { Workspace } from '../workspace-fs.js';
import { hashFilesCached, POOL_MIN_FILES } from './hash-cache/index.js';
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
  const sanitizer = new Sanitizer(workspace.root);
  const unitSource = `work-unit:${loaded.path}`;

  // The role's deny list beats the work unit: a required file or context source it names is refused
  // (not silently dropped: the task would then be built without a file its author said it needs).
  const checkReadable = (path: string, field: string): void => {
    if (matchesAny(path, rolePack.lock_set.deny)) {
      throw new PackPathRejected(
        `${field}: the path is on role "${rolePack.role.id}"'s deny list (rule denied-by-lock-set)`,
        `remove it from the work unit, or (if the role really needs it) from the role's lock_set.deny`,
        { field, rule: 'denied-by-lock-set', role: rolePack.role.id },
      );
    }
  };
  unit.required_files.forEach((path, index) => checkReadable(path, `work_unit.required_files[${index}]`));

  const requiredFiles = [];
  const sources = new Map<string, Source>();
  // Entries are built in the schema's key order (canonical order too), so the self-check below can
  // pass them through instead of copying 20,000 objects.
  sources.set(unitSource, { source_hash: loaded.hash, source_id: unitSource });
  const wanted = unit.required_files.map((path, index) => ({ path, field: `work_unit.required_files[${index}]` }));
  const payloadOptions = { governance: rolePack.governance_mode, payloadTokens: limit, sanitizer, checkReadable };
  let hashed: Awaited<ReturnType<typeof hashFilesCached>>;
  let built: Awaited<ReturnType<typeof buildPayload>>;
  let described: PromiseSettledResult<TaskFields> | undefined;
  let cleared: ReadonlySet<string> | undefined;
  if (wanted.length >= POOL_MIN_FILES) {
    // Enough files for the hash pool: its worker threads hash while this thread builds the payload
    // and the task fields, which need no hash (a cold assembly of a large unit is mostly one or the
    // other), and checks the paths known now. Failures keep the order of the build: every part is
    // settled first (nothing keeps running after a failed assembly), then the first failure in that
    // order is thrown. A small unit is built one part after the other: there is nothing to overlap,
    // and a worker binding hundreds of jobs at once would only hold more of them in memory together.
    const known = [loaded.path, ...unit.required_files];
    const parts = await Promise.allSettled([
      hashFilesCached(workspace, wanted),
      buildPayload(workspace, unit, payloadOptions),
      describeTasks(sanitizer, unit, unitSource),
      sanitizer.exactProblem(known.join('\n')),
    ]);
    hashed = valueOf(parts[0]);
    built = valueOf(parts[1]);
    described = parts[2];
    if (parts[3].status === 'fulfilled' && parts[3].value === undefined) cleared = new Set(known);
  } else {
    hashed = await hashFilesCached(workspace, wanted);
    built = await buildPayload(workspace, unit, payloadOptions);
  }
  for (const { path, sha256, bytes } of hashed) {
    requiredFiles.push({ bytes, path, sha256 });
    sources.set(`file:${path}`, { source_hash: sha256, source_id: `file:${path}` });
  }
  for (const source of built.sources) sources.set(source.source_id, source);
  const sortedSources = toSortedSet(sources.values(), (s) => s.source_id);
  await refuseUnsafePaths(sanitizer, unit, sortedSources, cleared);
  const { microTasks, verification, jobId, workPacketId } = described ? valueOf(described) : await describeTasks(sanitizer, unit, unitSource);

  const pack: WorkUnitContextPack = {
    kind: 'WorkUnitContextPack',
    schema_version: 1,
    job_id: jobId,
    work_packet_id: workPacketId,
    micro_tasks: microTasks,
    role: rolePack.role,
    role_pack_hash: rolePackHash,
    required_files: toSortedSet(requiredFiles, (f) => f.path),
    verification,
    payload: built.payload,
    budgets: {
      tokenizer: { ...TOKENIZER },
      payload_tokens: { limit, used: built.tokensUsed },
    },
    sources: sortedSources,
    sources_hash: hashCanonical(sortedSources),
    redactions: sanitizer.entries(),
    builder: builderInfo(),
  };
  // Parse what we built: a builder bug must surface here, not as an unverifiable pack later.
  return selfCheck(pack);
}

/** A settled part's value, or its failure thrown. */
function valueOf<T>(part: PromiseSettledResult<T>): T {
  if (part.status === 'rejected') throw part.reason;
  return part.value;
}

/** The pack's task fields, sanitized. */
interface TaskFields {
  microTasks: PackMicroTask[];
  verification: PackVerification;
  jobId: SafeString;
  workPacketId: SafeString;
}

/**
 * The task fields of the pack, sanitized: micro tasks, verification, ids. Sequential inside, so the
 * first failure is the one the fields' order gives, whenever the caller awaits it.
 */
async function describeTasks(sanitizer: Sanitizer, unit: WorkUnitDefinition, unitSource: string): Promise<TaskFields> {
  const microTasks: PackMicroTask[] = [];
  for (const [index, task] of unit.micro_tasks.entries()) {
    microTasks.push({
      id: await sanitizer.id(task.id, `work_unit.micro_tasks[${index}].id`),
      title: await sanitizer.prose(task.title, { sourceId: unitSource, max: TITLE_MAX_CHARS }),
    });
  }
  const verification: PackVerification = {
    commands: [],
    acceptance: await sanitizer.prose(unit.verification.acceptance, { sourceId: unitSource, max: ACCEPTANCE_MAX_CHARS }),
  };
  for (const [index, command] of unit.verification.commands.entries()) {
    const argv = [];
    // A command is run as written: a secret, host path or invisible character in it is refused, not
    // rewritten (a rewritten command would run something else).
    for (const [argIndex, arg] of command.argv.entries()) {
      argv.push(
        await sanitizer.exact(
          arg,
          `work_unit.verification.commands[${index}].argv[${argIndex}]`,
          'pass secrets to verification through the environment, and paths relative to the workspace (cwd is the workspace root)',
        ),
      );
    }
    verification.commands.push({ argv, cwd: command.cwd, timeout_seconds: command.timeout_seconds });
  }

  const jobId = await sanitizer.id(unit.job_id, 'work_unit.job_id');
  const workPacketId = await sanitizer.id(unit.work_packet_id, 'work_unit.work_packet_id');
  return { microTasks, verification, jobId, workPacketId };
}

/**
 * The schema check of a built pack, with its two long lists checked in bulk when every path in them
 * is plain (see `plainPackListsValid`); the entries are then rebuilt with the full schema's key order,
 * so the result equals `parseOrThrow(WorkUnitContextPack, pack)`'s. Anything else: the full schema.
 */
const REQUIRED_FILE_KEYS = ['bytes', 'path', 'sha256'] as const;
const SOURCE_KEYS = ['source_hash', 'source_id'] as const;

function selfCheck(pack: WorkUnitContextPack): WorkUnitContextPack {
  if (plainPackListsValid(pack.required_files, pack.sources, isPlainPath)) {
    const fast = WorkUnitContextPackPlainLists.safeParse(pack);
    if (fast.success) {
      // Entries already in the schema's key order are what the full parse would give: used as they are.
      const inOrder = (o: object, keys: readonly string[]): boolean => {
        let i = 0;
        for (const key in o) if (key !== keys[i++]) return false;
        return i === keys.length;
      };
      return {
        ...fast.data,
        required_files: pack.required_files.every((f) => inOrder(f, REQUIRED_FILE_KEYS))
          ? pack.required_files
          : pack.required_files.map(({ bytes, path, sha256 }) => ({ bytes, path, sha256 })),
        sources: pack.sources.every((s) => inOrder(s, SOURCE_KEYS))
          ? pack.sources
          : pack.sources.map(({ source_hash, source_id }) => ({ source_hash, source_id })),
      };
    }
  }
  return parseOrThrow(WorkUnitContextPack, pack, 'work-unit pack');
}

/**
 * Paths go into a pack as written (they name files), so one that would carry a secret, a host path
 * or an invisible character is refused. All are checked in one pass (less those in `cleared`, which a
 * pass over them already found clean); only when that finds something is each checked, in order, to
 * name the field.
 */
async function refuseUnsafePaths(sanitizer: Sanitizer, unit: WorkUnitDefinition, sources: readonly Source[], cleared?: ReadonlySet<string>): Promise<void> {
  const paths = sources.map((s) => s.source_id.slice(s.source_id.indexOf(':') + 1));
  const unchecked = cleared ? paths.filter((path) => !cleared.has(path)) : paths;
  if ((await sanitizer.exactProblem(unchecked.join('\n'))) === undefined) return;
  for (const path of paths) {
    if ((await sanitizer.exactProblem(path)) === undefined) continue;
    const required = unit.required_files.indexOf(path);
    const context = unit.context_sources.findIndex((s) => s.path === path);
    const field =
      required >= 0
        ? `work_unit.required_files[${required}]`
        : context >= 0
          ? `work_unit.context_sources[${context}].path`
          : 'a source_refs path in a context items file';
    await sanitizer.exact(path, field, 'rename the file: paths go into the pack, the prompt and history as written');
  }
}
