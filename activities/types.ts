/**
 * The activity contract of the governed workflows. The schemas are in `shared/schema/activities.ts`
 * (workflow-safe, parsed by the activities and the history readers); the types here are derived from
 * them. Workflow code imports these types only; the implementations (Node: files, hashing, processes,
 * providers) live beside this file.
 */
import type * as C from '../shared/schema/activities.js';
import type { WorkspaceDescription } from '../shared/schema/governed-job.js';

export type {
  ApplyToolCallsInput,
  ApplyToolCallsResult,
  BindPacksInput,
  BindPacksResult,
  DescribeWorkspaceInput,
  InvokeModelInput,
  InvokeModelResult,
  PrepareInvocationInput,
  PrepareInvocationResult,
  SwapPacksInput,
  SwapPacksResult,
  ToolCallRecord,
  VerifyInput,
  VerifyResult,
} from '../shared/schema/activities.js';

/** Activities that need the workspace's files: they run on its task queue (see `workspaceTaskQueue`). */
export const WORKSPACE_ACTIVITIES = ['describeWorkspace', 'bindPacks', 'swapPacks', 'prepareInvocation', 'applyToolCalls', 'verifyMicroTask'] as const;
/** Activities any worker with the pack store can run. */
export const MODEL_ACTIVITIES = ['invokeModel'] as const;

export interface GovernedJobActivities {
  describeWorkspace(input: C.DescribeWorkspaceInput): Promise<WorkspaceDescription>;
  bindPacks(input: C.BindPacksInput): Promise<C.BindPacksResult>;
  swapPacks(input: C.SwapPacksInput): Promise<C.SwapPacksResult>;
  prepareInvocation(input: C.PrepareInvocationInput): Promise<C.PrepareInvocationResult>;
  invokeModel(input: C.InvokeModelInput): Promise<C.InvokeModelResult>;
  applyToolCalls(input: C.ApplyToolCallsInput): Promise<C.ApplyToolCallsResult>;
  verifyMicroTask(input: C.VerifyInput): Promise<C.VerifyResult>;
}
