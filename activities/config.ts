/** How the worker maps workspace ids to directories and finds its pack store. */
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { openPackStore, type PackStore } from '../shared/store/index.js';
import { Workspace } from '../shared/workspace-fs.js';

export interface ContextPacksActivityOptions {
  /** Workspace id -> directory on this worker. History only ever names the id. */
  readonly workspaces: Readonly<Record<string, string>>;
  /**
   * The pack store: a spec (`file:DIR`), a store instance, or omitted for each workspace's default
   * (`<workspace>/.ctxpack/store`, or `CTXPACK_STORE`).
   */
  readonly store?: string | PackStore;
}

export interface ResolvedWorkspace {
  readonly workspace: Workspace;
  readonly store: PackStore;
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
