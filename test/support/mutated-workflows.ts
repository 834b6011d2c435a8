/**
 * A deliberately non-deterministic change to the governed job (an extra activity before binding), used
 * to prove that the replay test catches such changes.
 */
import * as wf from '@temporalio/workflow';
import type { GovernedJobActivities } from '../../activities/types.js';
import { governedJob as original } from '../../workflows/governed-job.js';

const { describeWorkspace } = wf.proxyActivities<GovernedJobActivities>({ startToCloseTimeout: '1 minute' });

export async function governedJob(...args: Parameters<typeof original>): ReturnType<typeof original> {
  await describeWorkspace({ workspace_id: args[0].workspace_id, work_unit: args[0].work_unit });
  return original(...args);
}
