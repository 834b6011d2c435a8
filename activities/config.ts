/** How the worker maps workspace ids to directories and finds its pack store. */
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { openPackStore, type PackStore } from '../shared/engine/store/index.js';
import { Workspace } from '../shared/engine/workspace-fs.js';

export interface ContextPacksActivityOptions {
  /** Workspace id -> directory on this worker. History only ever names the id. */
  readonly workspaces: Readonly<Record<string, string>>;
  /**
   * The pack store: a spec (`file:DIR`, `s3://bucket/prefix`), a store instance, or omitted for
   * `CTXPACK_STORE`, else each workspace's default (`<workspace>/.ctxpack/store`). A worker that
   * serves workspaces of other workers (model calls only) needs a shared store here or in
   * `CTXPACK_STORE`.
   */
  readonly store?: string | PackStore;
}

export interface ResolvedWorkspace {
  readonly workspace: Workspace;
  readonly store: PackStore;
}

/**
 * What every activity resolves from a workspace id, from one place and one cache: the workspace and
 * its store when this worker has the workspace, and the pack store for any id (a shared one for
 * workspaces of other workers, which is what lets model calls run anywhere).
 */
export interface ActivityConfig {
  /** The workspace and its store; `WorkspaceUnknown` when this worker does not serve the id. */
  workspace(id: string): Promise<ResolvedWorkspace>;
  /** The pack store for `id`: the workspace's own when this worker has it, else the shared one. */
  store(id: string): Promise<PackStore>;
  /** The workspace directory of `id` on this worker, if it has one (no error when it does not). */
  localWorkspace(id: string): Promise<Workspace | undefined>;
}

export function resolveConfig(options: ContextPacksActivityOptions): ActivityConfig {
  const workspaces = new Map<string, Promise<ResolvedWorkspace>>();
  let shared: PackStore | undefined;
  const workspace = (id: string): Promise<ResolvedWorkspace> => {
    let resolved = workspaces.get(id);
    if (!resolved) {
      const dir = options.workspaces[id];
      if (dir === undefined) {
        const known = Object.keys(options.workspaces).join(', ') || '(none)';
        throw ApplicationFailure.create({
          message: `workspace id "${id}" is not served by this worker (known: ${known})`,
          type: 'WorkspaceUnknown',
          nonRetryable: true,
        });
      }
      resolved = (async () => {
        const opened = await Workspace.open(path.resolve(dir));
        const store = typeof options.store === 'object' ? options.store : openPackStore(options.store, { workspaceRoot: opened.root });
        return { workspace: opened, store };
      })();
      resolved.catch(() => workspaces.delete(id));
      workspaces.set(id, resolved);
    }
    return resolved;
  };
  return {
    workspace,
    async store(id) {
      if (options.workspaces[id] !== undefined) return (await workspace(id)).store;
      if (typeof options.store === 'object') return options.store;
      const spec = options.store ?? process.env['CTXPACK_STORE'];
      if (spec === undefined || spec === '') {
        throw ApplicationFailure.create({
          message: `workspace "${id}" is not on this worker and no shared pack store is configured, so its packs cannot be loaded here`,
          type: 'PackStoreUnavailable',
          nonRetryable: true,
          details: [{ fix: 'give every worker the same store: CTXPACK_STORE=s3://bucket/prefix (or a shared file:DIR)' }],
        });
      }
      shared ??= openPackStore(spec);
      return shared;
    },
    async localWorkspace(id) {
      return options.workspaces[id] === undefined ? undefined : (await workspace(id)).workspace;
    },
  };
}
