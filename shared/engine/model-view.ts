/**
 * What a model saw in one invocation, built from the stored artifacts history names: the one
 * function `invokeModel` renders with before calling the provider and `ctxpack replay --show` renders
 * with to recover the messages (#15). Replay's guarantee ("exactly what the model saw") rests on both
 * going through here rather than on two copies of the same construction staying equal.
 */
import { renderInvocation, type Projection } from './projection.js';
import type { Rendering } from './render.js';
import type { RequestFit } from '../core/schema/providers.js';
import type { RoleContextPack } from '../core/schema/role-pack.js';
import type { WorkUnitContextPack } from '../core/schema/work-unit-pack.js';

/** The fields of an invocation (as `InvokeModelInput` and its recorded identity hold them) that decide its rendering. */
export interface ViewedInvocation {
  readonly role_pack_hash: string;
  readonly work_unit_pack_hash: string;
  readonly micro_task: string;
  readonly feedback?: string | undefined;
  readonly location: 'local' | 'cloud';
}

/** The artifacts the rendering is built from, loaded (and re-verified) by the caller from the store. */
export interface ViewArtifacts {
  readonly rolePack: RoleContextPack;
  readonly workUnitPack: WorkUnitContextPack;
  /**
   * The model's RequestFit from the provider snapshot (it cuts the feedback). Asked for only when the
   * invocation has feedback, so replay loads the snapshot only then.
   */
  readonly requestFit: () => Promise<RequestFit | undefined> | RequestFit | undefined;
}

/** The messages (and, for a cloud provider, the projection) of `invocation`. */
export async function renderModelView(invocation: ViewedInvocation, artifacts: ViewArtifacts): Promise<{ rendering: Rendering; projection?: Projection }> {
  const fit = invocation.feedback === undefined ? undefined : await artifacts.requestFit();
  return renderInvocation(
    {
      rolePack: artifacts.rolePack,
      rolePackHash: invocation.role_pack_hash,
      workUnitPack: artifacts.workUnitPack,
      workUnitPackHash: invocation.work_unit_pack_hash,
      microTaskId: invocation.micro_task,
      ...(invocation.feedback !== undefined ? { feedback: invocation.feedback } : {}),
    },
    invocation.location,
    fit,
  );
}
