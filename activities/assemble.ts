/**
 * Pack activities: describe the workspace, bind packs at job start, and rebuild-or-reuse them on a
 * swap. They return hashes, store refs, sizes and counts: never pack bodies, which stay in the store.
 */
import { assembleAndStore, listRoleIds, loadProviderRegistry, loadRoleDefinition, loadWorkUnit, loadWorkspaceSettings, type StoredPacks } from '../shared/engine/assemble/index.js';
import type { WorkUnitPackOptions } from '../shared/engine/assemble/index.js';
import type { RequestFit } from '../shared/core/schema/providers.js';
import { decideFreshness, findStaleSources } from '../shared/engine/freshness.js';
import { packReader, type PackReader } from '../shared/engine/pack-io.js';
import { droppedRestrictions } from '../shared/core/restrictions.js';
import type { PackBinding, WorkspaceDescription } from '../shared/core/schema/governed-job.js';
import type { FreshnessDecision } from '../shared/core/schema/freshness.js';
import type { PackStore } from '../shared/engine/store/index.js';
import type { Workspace } from '../shared/engine/workspace-fs.js';
import type { ResolvedWorkspace } from './config.js';
import { atBoundary, refusal } from './failures.js';
import type { BindPacksInput, BindPacksResult, DescribeWorkspaceInput, SwapPacksInput, SwapPacksResult } from './types.js';

type Resolve = (id: string) => Promise<ResolvedWorkspace>;

function bindingOf(packs: StoredPacks, markers: string[] = []): PackBinding {
  return {
    role: packs.role.pack.role.id,
    role_version: packs.role.pack.role.version,
    governance_mode: packs.role.pack.governance_mode,
    lock_set: packs.role.pack.lock_set,
    role_pack_hash: packs.role.hash,
    work_unit_pack_hash: packs.workUnit.hash,
    store_refs: { role: packs.storeRefs.role, work_unit: packs.storeRefs.workUnit },
    sizes: { role: packs.role.bytes.length, work_unit: packs.workUnit.bytes.length },
    redaction_count: packs.workUnit.pack.redactions.reduce((sum, r) => sum + r.count, 0),
    freshness_markers: markers,
  };
}

/** Binding for a pack already in the store (a pinned pack used as is). */
async function bindingOfStored(store: PackStore, packs: PackReader, workUnitHash: string, markers: string[]): Promise<PackBinding> {
  const { pack: unit, bytes: unitBytes } = await packs.workUnit(workUnitHash);
  // Binding counts as use: both packs' age for gc starts over, before visibility lists this job.
  await store.touch(workUnitHash);
  await store.touch(unit.role_pack_hash);
  const { pack: rolePack, bytes: roleBytes } = await packs.role(unit.role_pack_hash);
  return {
    role: unit.role.id,
    role_version: unit.role.version,
    governance_mode: rolePack.governance_mode,
    lock_set: rolePack.lock_set,
    role_pack_hash: unit.role_pack_hash as PackBinding['role_pack_hash'],
    work_unit_pack_hash: workUnitHash as PackBinding['work_unit_pack_hash'],
    store_refs: { role: store.refFor(unit.role_pack_hash), work_unit: store.refFor(workUnitHash) },
    sizes: { role: roleBytes.length, work_unit: unitBytes.length },
    redaction_count: unit.redactions.reduce((sum, r) => sum + r.count, 0),
    freshness_markers: markers,
  };
}

/**
 * Uses a pinned work-unit pack if it is still fresh and no weaker than the role demands; otherwise
 * applies the freshness policy. `fresh` is the pack the current sources build.
 */
async function bindPinned(
  workspace: Workspace,
  store: PackStore,
  packs: PackReader,
  pinned: string,
  role: string,
  fresh: StoredPacks,
  policy: BindPacksInput['freshness'],
): Promise<{ binding: PackBinding; freshness: FreshnessDecision }> {
  const unit = (await packs.workUnit(pinned)).pack;
  const rolePack = (await packs.role(unit.role_pack_hash)).pack;
  if (unit.role.id !== role) {
    throw refusal('RT-SWAP-001', `pinned pack ${pinned} is for role "${unit.role.id}", not "${role}"`, { pinned });
  }
  const dropped = droppedRestrictions(rolePack, fresh.role.pack);
  if (dropped.length > 0) {
    throw refusal(
      'RT-SWAP-001',
      `pinned pack ${pinned} drops restrictions role "${role}" demands: ${dropped.join('; ')}`,
      { pinned, dropped },
    );
  }
  const changes = await findStaleSources(workspace, [...rolePack.sources, ...unit.sources]);
  const freshness = await decideFreshness({
    packHash: pinned as `sha256:${string}`,
    changes,
    policy,
    regenerate: async () => fresh.workUnit.hash,
  });
  if (freshness.decision === 'regenerated') return { binding: bindingOf(fresh, [`regenerated:${pinned}`]), freshness };
  const markers = freshness.decision === 'stale-fallback' ? [freshness.marker] : [];
  return { binding: await bindingOfStored(store, packs, pinned, markers), freshness };
}

/** The model's context window from the workspace's provider registry, if it lists the model. */
async function contextWindowFor(workspace: Workspace, provider: string, model: string): Promise<{ contextWindow: number; requestFit?: RequestFit } | undefined> {
  const registry = await loadProviderRegistry(workspace);
  const entry = registry?.value.providers.find((p) => p.id === provider)?.models.find((m) => m.id === model);
  if (!entry) return undefined;
  return { contextWindow: entry.context_window, ...(entry.request_fit ? { requestFit: entry.request_fit } : {}) };
}

/** The model's window (and RequestFit, when the registry gives one) as pack-builder options. */
function contextWindowOption(fit: { contextWindow: number; requestFit?: RequestFit } | undefined): WorkUnitPackOptions {
  return fit ?? {};
}

/** One read per stored artifact in an activity call; the packs it just built are not read back. */
function readerWith(store: PackStore, fresh: StoredPacks): PackReader {
  const packs = packReader(store);
  packs.add(fresh.role);
  packs.add(fresh.workUnit);
  return packs;
}

type RebuildReason = SwapPacksResult['result']['rebuild_reasons'][number];

/** Why the pack bound now differs from the one in force (the new one is already in `packs`). */
async function rebuildReasons(packs: PackReader, before: PackBinding, after: PackBinding, pinned: boolean): Promise<RebuildReason[]> {
  const reasons: RebuildReason[] = [];
  if (pinned) reasons.push('pinned');
  if (before.role_pack_hash !== after.role_pack_hash) reasons.push('role-changed');
  const [{ pack: old }, { pack: now }] = await Promise.all([packs.workUnit(before.work_unit_pack_hash), packs.workUnit(after.work_unit_pack_hash)]);
  if (old.sources_hash !== now.sources_hash) reasons.push('sources-changed');
  if (old.budgets.payload_tokens.limit !== now.budgets.payload_tokens.limit) reasons.push('context-window');
  return reasons.length > 0 ? reasons : ['other'];
}

export function createAssembleActivities(resolve: Resolve) {
  return {
    /** What the workflow needs to validate swaps without I/O: roles, work profiles, providers, micro-tasks. */
    async describeWorkspace(input: DescribeWorkspaceInput): Promise<WorkspaceDescription> {
      const { workspace } = await resolve(input.workspace_id);
      return atBoundary(async () => {
        const settings = await loadWorkspaceSettings(workspace);
        const registry = await loadProviderRegistry(workspace);
        const unit = await loadWorkUnit(workspace, { path: input.work_unit });
        const roles = [];
        for (const id of await listRoleIds(workspace)) {
          const { value } = await loadRoleDefinition(workspace, id);
          roles.push({
            role_id: value.role_id,
            cloud_allowed: value.work_profile.cloud_allowed,
            ladder: value.work_profile.ladder,
            escalate_after_failures: value.work_profile.escalate_after_failures,
            max_iterations: value.work_profile.max_iterations,
            ...(value.work_profile.escalate_on_provider_errors
              ? { escalate_on_provider_errors: value.work_profile.escalate_on_provider_errors }
              : {}),
          });
        }
        return {
          cloud_allowed: settings.cloud_allowed,
          roles,
          providers: (registry?.value.providers ?? []).map((p) => ({
            id: p.id,
            location: p.kind,
            ...(p.cloud_tier !== undefined ? { cloud_tier: p.cloud_tier } : {}),
            models: p.models.map((m) => m.id),
          })),
          provider_registry_hash: registry?.hash ?? null,
          micro_tasks: unit.value.micro_tasks,
        };
      });
    },

    /** At job start: assemble and store both packs (or check a pinned pack) and bind them. */
    async bindPacks(input: BindPacksInput): Promise<BindPacksResult> {
      const { workspace, store } = await resolve(input.workspace_id);
      return atBoundary(async () => {
        const contextWindow = input.model ? await contextWindowFor(workspace, input.model.provider, input.model.model) : undefined;
        const fresh = await assembleAndStore(workspace, input.role, { path: input.work_unit }, store, contextWindowOption(contextWindow));
        if (input.pinned_pack_hash) {
          return bindPinned(workspace, store, readerWith(store, fresh), input.pinned_pack_hash, input.role, fresh, input.freshness);
        }
        return { binding: bindingOf(fresh), freshness: { decision: 'fresh', pack_hash: fresh.workUnit.hash } };
      });
    },

    /**
     * A swap: rebuild the target role's packs from current sources and compare with the pack in
     * force. Reuse only when byte-identical (same hash); otherwise the rebuilt pack is bound.
     */
    async swapPacks(input: SwapPacksInput): Promise<SwapPacksResult> {
      const { workspace, store } = await resolve(input.workspace_id);
      return atBoundary(async () => {
        const { request, current } = input;
        const contextWindow = await contextWindowFor(workspace, request.provider, request.model);
        const fresh = await assembleAndStore(workspace, request.target_role, { path: input.work_unit }, store, contextWindowOption(contextWindow));
        const packs = readerWith(store, fresh);
        let binding: PackBinding;
        let markers: string[] = [];
        if (request.pinned_pack_hash) {
          const pinned = await bindPinned(workspace, store, packs, request.pinned_pack_hash, request.target_role, fresh, input.freshness);
          binding = pinned.binding;
          markers = pinned.binding.freshness_markers;
        } else {
          binding = bindingOf(fresh);
        }
        const requested = request.pinned_pack_hash ?? current.work_unit_pack_hash;
        const requestedRole = request.pinned_pack_hash ? binding.role_pack_hash : current.role_pack_hash;
        const decision = binding.work_unit_pack_hash === current.work_unit_pack_hash ? 'reused' : 'rebuilt';
        const reasons = decision === 'reused' ? [] : await rebuildReasons(packs, current, binding, request.pinned_pack_hash !== undefined);
        return {
          binding,
          result: {
            request_id: request.request_id,
            seat: { role: request.target_role, model: request.model, provider: request.provider },
            requested_pack_hash: requested as PackBinding['work_unit_pack_hash'],
            effective_pack_hash: binding.work_unit_pack_hash,
            requested_role_pack_hash: requestedRole,
            effective_role_pack_hash: binding.role_pack_hash,
            decision,
            rebuild_reasons: reasons,
            context_compile_ref: binding.store_refs.work_unit,
            freshness_markers: markers,
          },
        };
      });
    },
  };
}
