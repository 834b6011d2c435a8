/**
 * Model invocation: load and verify the bound packs, check the seat against them (RT-ROLE-001),
 * render, call the provider, gate the tool calls it returns, and return the RoleExecutionIdentity
 * so every invocation is recorded in history with the exact packs and rendering the model saw.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { loadProviderRegistry, loadRoleDefinition } from '../shared/assemble/index.js';
import { PackPathRejected } from '../shared/errors.js';
import { sha256 } from '../shared/hash.js';
import { loadRolePack, loadWorkUnitPack } from '../shared/pack-io.js';
import { renderInvocation } from '../shared/projection.js';
import type { ProviderEntry } from '../shared/schema/providers.js';
import type { RoleContextPack } from '../shared/schema/role-pack.js';
import type { Workspace } from '../shared/workspace-fs.js';
import { decodeUtf8, parseStructured } from '../shared/assemble/inputs.js';
import type { ResolvedWorkspace } from './config.js';
import { atBoundary, refusal } from './failures.js';
import { ProviderError, type ModelProvider, type ToolCall } from './providers/model-provider.js';
import { createProvider } from './providers/index.js';
import { ScriptedProvider } from './providers/scripted.js';
import { withModelSpan } from './telemetry.js';
import { gateToolCall, isWriteTool } from './tool-gate.js';
import type { InvokeModelInput, InvokeModelResult, ToolCallRecord } from './types.js';

type Resolve = (id: string) => Promise<ResolvedWorkspace>;

/** Builds the provider for a registry entry. Real HTTP adapters plug in here. */
export type ProviderFactory = (entry: ProviderEntry, workspace: Workspace) => Promise<ModelProvider>;

export const defaultProviderFactory: ProviderFactory = async (entry, workspace) => {
  if (entry.api === 'scripted') {
    if (!entry.script) {
      throw ApplicationFailure.create({
        message: `scripted provider "${entry.id}" has no script; set providers[].script in .ctxpack/providers.yaml`,
        type: 'ProviderNotConfigured',
        nonRetryable: true,
      });
    }
    const bytes = await workspace.readBytes(entry.script, `providers.${entry.id}.script`);
    return new ScriptedProvider(entry.id, parseStructured(decodeUtf8(bytes, entry.script), entry.script), entry.script, (file) =>
      workspace.exists(file),
    );
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

/** RT-ROLE-001: the seat, the binding and the packs must agree before anything reaches a model. */
async function checkIdentity(workspace: Workspace, input: InvokeModelInput, rolePack: RoleContextPack, unitRoleHash: string): Promise<void> {
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
  const definition = (await loadRoleDefinition(workspace, seat.role)).value;
  for (const required of definition.codex) {
    const inPack = rolePack.codex.find((c) => c.name === required.name);
    if (!inPack) problems.push(`codex ${required.name} ${required.version} is missing from the pack`);
    else if (inPack.version !== required.version) {
      problems.push(`codex ${required.name} is version ${inPack.version} in the pack; the role requires ${required.version}`);
    }
  }
  if (problems.length > 0) {
    throw refusal('RT-ROLE-001', `identity check failed, nothing was sent to the model: ${problems.join('; ')}`, {
      role: seat.role,
      problems,
    });
  }
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

export function createInvokeActivities(resolve: Resolve, providerFactory: ProviderFactory = defaultProviderFactory) {
  return {
    async invokeModel(input: InvokeModelInput): Promise<InvokeModelResult> {
      const { workspace, store } = await resolve(input.workspace_id);
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
        if (entry.kind === 'cloud' && !input.cloud_consent) {
          throw refusal(
            'CloudConsentMissing',
            `provider "${entry.id}" is cloud and no consent is recorded for this job; nothing was sent`,
            { provider: entry.id },
          );
        }

        // Cloud providers get the projection (RT-LEAK-001): local-only items removed, secrets re-scrubbed.
        const { rendering, projection } = await renderInvocation(
          {
            rolePack,
            rolePackHash: input.binding.role_pack_hash,
            workUnitPack: unitPack,
            workUnitPackHash: input.binding.work_unit_pack_hash,
            microTaskId: input.micro_task,
            ...(input.feedback !== undefined ? { feedback: input.feedback } : {}),
          },
          entry.kind,
        );
        const provider = await providerFactory(entry, workspace);
        let response;
        try {
          response = await withModelSpan(input, entry, { renderHash: rendering.render_hash, location: entry.kind }, () =>
            provider.complete({
              model: input.seat.model,
              messages: rendering.messages,
              allowedTools: rolePack.allowed_tools,
              context: { role: input.seat.role, microTask: input.micro_task, iteration: input.iteration },
            }),
          );
        } catch (err) {
          if (err instanceof ProviderError) {
            throw ApplicationFailure.create({
              message: err.message,
              type: `Provider:${err.kind}`,
              nonRetryable: !err.retryable,
            });
          }
          throw err;
        }

        // Tool calls are requests, checked against the pack; model text can never widen them.
        const toolCalls: ToolCallRecord[] = [];
        for (const call of response.toolCalls) {
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
          toolCalls.push({
            tool: call.tool,
            ...(call.path !== undefined ? { path: call.path } : {}),
            allowed: verdict.allowed,
            ...(verdict.rule !== undefined ? { rule: verdict.rule } : {}),
          });
        }

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
            provider_registry_hash: registry?.hash ?? null,
          },
          ...(projection ? { projection } : {}),
          output_hash: sha256(response.text),
          tool_calls: toolCalls,
          usage: { input_tokens: response.usage.inputTokens, output_tokens: response.usage.outputTokens },
        };
      });
    },
  };
}
