/**
 * The activity contract of the governed workflows. The schemas are in `shared/core/schema/activities.ts`
 * (workflow-safe, parsed by the activities and the history readers); the types here are derived from
 * them. Workflow code imports these types only; the implementations (Node: files, hashing, processes,
 * providers) live beside this file.
 */

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
} from '../shared/core/schema/activities.js';

export { MODEL_ACTIVITIES, WORKSPACE_ACTIVITIES, type GovernedJobActivities } from '../shared/core/schema/activities.js';
