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
 * The pack store for a workspace id: the workspace's own when this worker has it, else the worker's
 * configured store (a shared one: S3, or a directory every worker mounts). Model calls use this, so a
 * worker without the workspace can still load the packs.
 */
export function storeResolver(
  options: ContextPacksActivityOptions,
  resolveWorkspace: (id: string) => Promise<ResolvedWorkspace>,
): (id: string) => Promise<PackStore> {
  let shared: PackStore | undefined;
  return async (id) => {
    if (options.workspaces[id] !== undefined) return (await resolveWorkspace(id)).store;
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
  };
}

/** The workspace directory of `id` on this worker, if it has one (no error when it does not). */
export function localWorkspace(
  options: ContextPacksActivityOptions,
  resolveWorkspace: (id: string) => Promise<ResolvedWorkspace>,
): (id: string) => Promise<Workspace | undefined> {
  return async (id) => (options.workspaces[id] === undefined ? undefined : (await resolveWorkspace(id)).workspace);
}

export function workspaceResolver(options: ContextPacksActivityOptions): (id: string) => Promise<ResolvedWorkspace> {
  const cache = new Map<string, Promise<ResolvedWorkspace>>();
  return (id) => {
    let resolved = cache.get(id);
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
        const workspace = await Workspace.open(path.resolve(dir));
        const store =
          typeof options.store === 'object'
            ? options.store
            : openPackStore(options.store, { workspaceRoot: workspace.root });
        return { workspace, store };
      })();
      resolved.catch(() => cache.delete(id));
      cache.set(id, resolved);
    }
    return resolved;
  };
}
