/**
 * The gate every tool call a model returns passes before anything happens: the tool must be in the
 * pack's allowed tools, and a path must be a safe workspace path the lock set opens for that access
 * (deny beats write beats read). A denied call is recorded with its rule and never executed.
 */
import { lockDecision } from '../shared/core/lock-set.js';
import { workspacePathProblem } from '../shared/core/paths.js';
import type { RoleContextPack } from '../shared/core/schema/role-pack.js';
import type { ToolCall } from './providers/model-provider.js';

const WRITE_TOOLS = new Set(['write_file', 'edit_file', 'delete_file', 'create_file']);

export function isWriteTool(tool: string): boolean {
  return WRITE_TOOLS.has(tool);
}

export function gateToolCall(call: ToolCall, pack: RoleContextPack): { allowed: boolean; rule?: string } {
  if (!pack.allowed_tools.includes(call.tool)) return { allowed: false, rule: 'tool-not-allowed' };
  if (call.path === undefined) {
    return isWriteTool(call.tool) ? { allowed: false, rule: 'path-missing' } : { allowed: true };
  }
  const problem = workspacePathProblem(call.path);
  if (problem) return { allowed: false, rule: `path-rejected:${problem}` };
  const decision = lockDecision(pack.lock_set, call.path, isWriteTool(call.tool) ? 'write' : 'read');
  if (decision.allowed) return { allowed: true };
  // A write refused because the path is only readable reads better as "read-only" than "read".
  return { allowed: false, rule: decision.rule === 'read' ? 'lock-read-only' : `lock-${decision.rule}` };
}
