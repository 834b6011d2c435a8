/**
 * Model invocation, in three activities so that the model call can run on any worker:
 *
 * - `prepareInvocation` (workspace side): loads the bound packs, checks the seat against them and the
 *   live role definition (RT-ROLE-001) and cloud consent, and stores a provider snapshot.
 * - `invokeModel` (any worker with the pack store): loads packs and snapshot from the store, checks
 *   the seat against the packs again, renders (with the cloud projection for cloud providers), calls
 *   the provider, gates each tool call against the pack and stores the response. It returns the
 *   RoleExecutionIdentity, so every invocation is recorded with the exact packs and rendering.
 * - `applyToolCalls` (workspace side): re-gates the stored response's tool calls and applies the
 *   allowed writes; the file system may still refuse one (a symlink leading out of the workspace).
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { loadProviderRegistry, loadRoleDefinition } from '../shared/engine/assemble/index.js';
import { decodeUtf8, parseStructured } from '../shared/engine/assemble/inputs.js';
import { ContextPackArtifactCorrupt, PackPathRejected } from '../shared/core/errors.js';
import { canonicalBytes } from '../shared/core/canonical.js';
import { sha256 } from '../shared/engine/hash.js';
import { parseCache } from '../shared/engine/parse-cache.js';
import { loadRolePack, loadWorkUnitPack } from '../shared/engine/pack-io.js';
import { renderModelView } from '../shared/engine/model-view.js';
import { estimateMessages } from '../shared/engine/request-fit.js';
import { parseOrThrow } from '../shared/core/schema/parse.js';
import type { RoleContextPack } from '../shared/core/schema/role-pack.js';
import type { PackStore } from '../shared/engine/store/index.js';
import type { Workspace } from '../shared/engine/workspace-fs.js';
import type { ResolvedWorkspace } from './config.js';
import { atBoundary, refusal } from './failures.js';
import { checkModelResult } from './model-result.js';
import { createProvider } from './providers/index.js';
import { ProviderError, type ModelProvider, type ModelResponse, type ToolCall } from './providers/model-provider.js';
import { ScriptedProvider, ScriptFile } from './providers/scripted.js';
import { loadRunArtifact, ModelResponseRecord, ProviderSnapshot, putRunArtifact } from './run-artifacts.js';
import { withModelSpan } from './telemetry.js';
import { gateToolCall, isWriteTool } from './tool-gate.js';
import type {
  ApplyToolCallsInput,
  ApplyToolCallsResult,
  InvokeModelInput,
  InvokeModelResult,
  PrepareInvocationInput,
  PrepareInvocationResult,
  ToolCallRecord,
} from './types.js';

export interface InvokeResolvers {
  /** The workspace (and its store) of an id this worker serves; throws WorkspaceUnknown otherwise. */
  readonly workspace: (id: string) => Promise<ResolvedWorkspace>;
  /** The pack store for an id, with or without the workspace on this worker. */
  readonly store: (id: string) => Promise<PackStore>;
  /** The workspace of an id if this worker has it. */
  readonly localWorkspace: (id: string) => Promise<Workspace | undefined>;
}

/** What a provider factory gets besides the snapshot. */
export interface ProviderContext {
  /** Checks a workspace file exists, when this worker has the workspace (scripted `wait_for`). */
  readonly exists?: (workspacePath: string) => Promise<boolean>;
}

/** Builds the provider for a stored provider snapshot. Tests wrap it to inject faults. */
export type ProviderFactory = (snapshot: ProviderSnapshot, context: ProviderContext) => Promise<ModelProvider>;

/** Builds the provider adapter for a stored provider snapshot (scripted, OpenAI-compatible, Anthropic, completion). */
export const defaultProviderFactory: ProviderFactory = async (snapshot, context) => {
  const { entry } = snapshot;
  if (entry.api === 'scripted') {
    if (!snapshot.script) {
      throw ApplicationFailure.create({
        message: `scripted provider "${entry.id}" has no script; set providers[].script in .ctxpack/providers.yaml`,
        type: 'ProviderNotConfigured',
        nonRetryable: true,
      });
    }
    return new ScriptedProvider(entry.id, snapshot.script, entry.script ?? 'script', context.exists);
  }
  try {
    return createProvider(entry);
  } catch (err) {
    // A configuration fault (no base_url...): retrying cannot fix it.
    throw ApplicationFailure.create({
      message: err instanceof Error ? err.message : String(err),
      type: 'ProviderNotConfigured',
      nonRetryable: true,
    });
  }
};

/** The pack-only part of RT-ROLE-001: seat, binding and packs agree. */
function packIdentityProblems(input: { seat: PrepareInvocationInput['seat']; binding: PrepareInvocationInput['binding'] }, rolePack: RoleContextPack, unitRoleHash: string): string[] {
  const problems: string[] = [];
  const { seat, binding } = input;
  if (rolePack.role.id !== seat.role || binding.role !== seat.role) {
    problems.push(`seat role "${seat.role}" but bound pack is for role "${rolePack.role.id}"`);
  }
  if (rolePack.role.version !== binding.role_version) {
    problems.push(`binding claims role version ${binding.role_version}, pack has ${rolePack.role.version}`);
  }
  if (unitRoleHash !== binding.role_pack_hash) {
    problems.push(`work-unit pack was built for role pack ${unitRoleHash}, not the bound ${binding.role_pack_hash}`);
  }
  if (!rolePack.work_profile.ladder.some((r) => r.model === seat.model && r.provider === seat.provider)) {
    problems.push(`model ${seat.model}@${seat.provider} is not in the role pack's work profile`);
  }
  return problems;
}

function identityRefusal(role: string, problems: string[]): ApplicationFailure {
  return refusal('RT-ROLE-001', `identity check failed, nothing was sent to the model: ${problems.join('; ')}`, { role, problems });
}

/** RT-ROLE-001 on the workspace side: the packs, and the codex versions the live role definition requires. */
async function checkIdentity(workspace: Workspace, input: PrepareInvocationInput, rolePack: RoleContextPack, unitRoleHash: string): Promise<void> {
  const problems = packIdentityProblems(input, rolePack, unitRoleHash);
  const definition = (await loadRoleDefinition(workspace, input.seat.role)).value;
  // The live definition wins over a pack bound earlier: a new role version, or a model taken out of
  // the work profile, means the bound identity is no longer the role's (#14).
  if (definition.role_version !== rolePack.role.version) {
    problems.push(`the role is version ${definition.role_version} now; the bound pack is for ${rolePack.role.version}`);
  }
  if (!definition.work_profile.ladder.some((r) => r.model === input.seat.model && r.provider === input.seat.provider)) {
    problems.push(`model ${input.seat.model}@${input.seat.provider} is no longer in role "${definition.role_id}"'s work profile`);
  }
  for (const required of definition.codex) {
    const inPack = rolePack.codex.find((c) => c.name === required.name);
    if (!inPack) problems.push(`codex ${required.name} ${required.version} is missing from the pack`);
    else if (inPack.version !== required.version) {
      problems.push(`codex ${required.name} is version ${inPack.version} in the pack; the role requires ${required.version}`);
    }
  }
  if (problems.length > 0) throw identityRefusal(input.seat.role, problems);
}

function consentRefusal(provider: string): ApplicationFailure {
  return refusal('CloudConsentMissing', `provider "${provider}" is cloud and no consent is recorded for this job; nothing was sent`, { provider });
}

async function applyWrite(workspace: Workspace, call: ToolCall): Promise<void> {
  const target = call.path as string;
  const dir = path.posix.dirname(target);
  const parent = dir === '.' ? workspace.root : await workspace.resolve(dir, `tool_call ${call.tool}`);
  if (await workspace.exists(target)) await workspace.resolve(target, `tool_call ${call.tool}`); // refuses symlink escapes
  const destination = path.join(parent, path.posix.basename(target));
  const temp = `${destination}.ctxpack-${process.pid}-${Date.now()}.tmp`;
  await writeFile(temp, call.content ?? '');
  await rename(temp, destination);
}

/**
 * On the model side an artifact missing from the store most often means the workers do not share one
 * store (the workspace worker wrote to its own): say so, naming this worker's store, and keep the
 * error type, so the workflow's regenerate-once path still applies.
 */
async function fromSharedStore<T>(store: PackStore, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof ContextPackArtifactCorrupt) || err.details['reason'] !== 'missing') throw err;
    // An S3 store's name is safe for history; a file store's would be a host path.
    const where = store.kind === 's3' ? store.describe() : 'a file store';
    throw new ContextPackArtifactCorrupt(
      `${err.message} this worker reads (${where})`,
      'every worker that serves a job must use the same pack store: set the same --store / CTXPACK_STORE (s3://bucket/prefix, or a shared file:DIR) on all of them',
      { ...err.details, store: store.kind },
    );
  }
}

/** The raw result for the stored response, when it has a canonical form (a lone surrogate has none). */
function storableResult(candidate: ModelResponse['result']): { result?: ModelResponseRecord['result'] } {
  if (!candidate || !('value' in candidate)) return {};
  try {
    canonicalBytes(candidate.value);
  } catch {
    return {}; // checkModelResult rejects it as not plain JSON
  }
  return { result: candidate.value as ModelResponseRecord['result'] };
}

function record(call: ToolCall, verdict: { allowed: boolean; rule?: string }): ToolCallRecord {
  return {
    tool: call.tool,
    ...(call.path !== undefined ? { path: call.path } : {}),
    allowed: verdict.allowed,
    ...(verdict.rule !== undefined ? { rule: verdict.rule } : {}),
  };
}

export function createInvokeActivities(resolvers: InvokeResolvers, providerFactory: ProviderFactory = defaultProviderFactory) {
  return {
    async prepareInvocation(input: PrepareInvocationInput): Promise<PrepareInvocationResult> {
      const { workspace, store } = await resolvers.workspace(input.workspace_id);
      return atBoundary(async () => {
        // Loading re-hashes and schema-checks: a corrupt or swapped artifact fails here, before any call.
        const rolePack = await loadRolePack(store, input.binding.role_pack_hash);
        const unitPack = await loadWorkUnitPack(store, input.binding.work_unit_pack_hash);
        await checkIdentity(workspace, input, rolePack, unitPack.role_pack_hash);

        const registry = await loadProviderRegistry(workspace);
        const entry = registry?.value.providers.find((p) => p.id === input.seat.provider);
        if (!entry) {
          throw refusal('RT-ROLE-001', `provider "${input.seat.provider}" is not in the workspace's provider registry`, {});
        }
        if (entry.kind === 'cloud' && !input.cloud_consent) throw consentRefusal(entry.id);
        let script: ScriptFile | undefined;
        if (entry.api === 'scripted' && entry.script !== undefined) {
          const bytes = await workspace.readBytes(entry.script, `providers.${entry.id}.script`);
          const file = entry.script;
          script = parseCache.get(`script:${file}`, sha256(bytes), bytes.length, () => parseOrThrow(ScriptFile, parseStructured(decodeUtf8(bytes, file), file), file));
        }
        const snapshot: ProviderSnapshot = {
          kind: 'ProviderSnapshot',
          schema_version: 1,
          entry,
          provider_registry_hash: registry?.hash ?? null,
          ...(script ? { script } : {}),
        };
        return {
          provider_snapshot_hash: await putRunArtifact(store, snapshot),
          provider_registry_hash: registry?.hash ?? null,
          location: entry.kind,
        };
      });
    },

    async invokeModel(input: InvokeModelInput): Promise<InvokeModelResult> {
      const store = await resolvers.store(input.workspace_id);
      const workspace = await resolvers.localWorkspace(input.workspace_id);
      return atBoundary(async () => {
        const rolePack = await fromSharedStore(store, () => loadRolePack(store, input.binding.role_pack_hash));
        const unitPack = await fromSharedStore(store, () => loadWorkUnitPack(store, input.binding.work_unit_pack_hash));
        // Checked again here: this worker trusts only what the store's bytes say.
        const problems = packIdentityProblems(input, rolePack, unitPack.role_pack_hash);
        if (problems.length > 0) throw identityRefusal(input.seat.role, problems);
        const snapshot = await fromSharedStore(store, () => loadRunArtifact(store, input.provider_snapshot_hash, ProviderSnapshot, 'provider snapshot'));
        const { entry } = snapshot;
        if (entry.id !== input.seat.provider || !entry.models.some((m) => m.id === input.seat.model)) {
          throw identityRefusal(input.seat.role, [`provider snapshot is for "${entry.id}", which does not serve ${input.seat.model}@${input.seat.provider}`]);
        }
        if (entry.kind === 'cloud' && !input.cloud_consent) throw consentRefusal(entry.id);

        const fit = entry.models.find((m) => m.id === input.seat.model)?.request_fit;
        // Cloud providers get the projection (RT-LEAK-001): local-only items removed, secrets re-scrubbed.
        const { rendering, projection } = await renderModelView(
          { ...input.binding, micro_task: input.micro_task, feedback: input.feedback, location: entry.kind },
          { rolePack, workUnitPack: unitPack, requestFit: () => fit },
        );
        const estimatedInputTokens = estimateMessages(rendering.messages);
        const provider = await providerFactory(snapshot, workspace ? { exists: (file) => workspace.exists(file) } : {});
        let response;
        try {
          response = await withModelSpan(input, entry, { renderHash: rendering.render_hash, location: entry.kind, estimatedInputTokens }, () =>
            provider.complete({
              model: input.seat.model,
              messages: rendering.messages,
              allowedTools: rolePack.allowed_tools,
              ...(rolePack.result_schema ? { resultSchema: rolePack.result_schema } : {}),
              ...(fit ? { maxOutputTokens: fit.answer_tokens } : {}),
              context: { role: input.seat.role, microTask: input.micro_task, iteration: input.iteration },
            }),
          );
        } catch (err) {
          if (err instanceof ProviderError) {
            throw ApplicationFailure.create({
              message: err.message,
              type: `Provider:${err.kind}`,
              nonRetryable: !err.retryable || (input.escalate_on_provider_errors?.includes(err.kind) ?? false),
            });
          }
          throw err;
        }

        // Tool calls are requests, checked against the pack; model text can never widen them.
        const toolCalls = response.toolCalls.map((call) => record(call, gateToolCall(call, rolePack)));
        const responseHash = await putRunArtifact(store, {
          kind: 'ModelResponse',
          schema_version: 1,
          text: response.text,
          tool_calls: response.toolCalls.map((call) => ({
            tool: call.tool,
            ...(call.path !== undefined ? { path: call.path } : {}),
            ...(call.content !== undefined ? { content: call.content } : {}),
          })),
          ...storableResult(response.result),
        });
        // Validated once, here, against the pack's schema, after the whole answer is stored (so a
        // rejected one can be inspected); the adapters only hand back candidates.
        const checked = rolePack.result_schema
          ? await checkModelResult(rolePack.result_schema, response.result, { role: rolePack.role.id, responseHash, workspaceRoot: workspace?.root })
          : undefined;
        const { cachedInputTokens } = response.usage;

        return {
          identity: {
            workflow_id: input.workflow_id,
            run_id: input.run_id,
            micro_task: input.micro_task,
            iteration: input.iteration,
            role_id: rolePack.role.id,
            role_version: rolePack.role.version,
            model: input.seat.model,
            provider: input.seat.provider,
            location: entry.kind,
            role_pack_hash: input.binding.role_pack_hash,
            work_unit_pack_hash: input.binding.work_unit_pack_hash,
            render_hash: rendering.render_hash,
            prefix_hash: rendering.prefix_hash,
            store_refs: input.binding.store_refs,
            provider_registry_hash: snapshot.provider_registry_hash,
          },
          ...(projection ? { projection } : {}),
          output_hash: sha256(response.text),
          response_hash: responseHash,
          tool_calls: toolCalls,
          ...(checked
            ? {
                result: checked.result,
                result_hash: checked.result_hash,
                ...(Object.keys(checked.redactions).length > 0 ? { result_redactions: checked.redactions } : {}),
              }
            : {}),
          usage: {
            input_tokens: response.usage.inputTokens,
            output_tokens: response.usage.outputTokens,
            ...(cachedInputTokens !== undefined ? { cached_input_tokens: cachedInputTokens } : {}),
            // Next to the server's count (input_tokens): the project's own estimate, and the template
            // overhead the registry reserves, so a RequestFit margin that is too small is visible.
            estimated_input_tokens: estimatedInputTokens,
            ...(fit ? { template_overhead_tokens: fit.template_overhead_tokens } : {}),
          },
        };
      });
    },

    async applyToolCalls(input: ApplyToolCallsInput): Promise<ApplyToolCallsResult> {
      const { workspace, store } = await resolvers.workspace(input.workspace_id);
      return atBoundary(async () => {
        const rolePack = await loadRolePack(store, input.role_pack_hash);
        const response = await loadRunArtifact(store, input.response_hash, ModelResponseRecord, 'model response');
        const toolCalls: ToolCallRecord[] = [];
        for (const stored of response.tool_calls) {
          const call: ToolCall = {
            tool: stored.tool,
            ...(stored.path !== undefined ? { path: stored.path } : {}),
            ...(stored.content !== undefined ? { content: stored.content } : {}),
          };
          // Gated again: this side trusts the pack, not the other worker's verdict.
          let verdict = gateToolCall(call, rolePack);
          if (verdict.allowed && isWriteTool(call.tool) && call.path !== undefined) {
            try {
              await applyWrite(workspace, call);
            } catch (err) {
              // The file system disagrees with the globs (a symlink out of the workspace): refuse, record.
              if (!(err instanceof PackPathRejected)) throw err;
              verdict = { allowed: false, rule: `path-rejected:${String(err.details['rule'] ?? 'unsafe')}` };
            }
          }
          toolCalls.push(record(call, verdict));
        }
        return { tool_calls: toolCalls };
      });
    },
  };
}
