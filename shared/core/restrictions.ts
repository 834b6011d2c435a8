/**
 * RT-SWAP-001: a pack may never be weaker than its role definition demands. Compares a candidate
 * role pack (e.g. one a swap pinned) with the pack the current definition builds, and lists every
 * restriction the candidate drops. Pure.
 */
import { canonicalJson } from './canonical.js';
import { GOVERNANCE_STRENGTH } from './schema/common.js';
import type { RoleContextPack } from './schema/role-pack.js';

export function droppedRestrictions(candidate: RoleContextPack, demanded: RoleContextPack): string[] {
  const problems: string[] = [];
  if (candidate.role.id !== demanded.role.id) {
    problems.push(`role is "${candidate.role.id}", the definition is for "${demanded.role.id}"`);
  }
  if (GOVERNANCE_STRENGTH[candidate.governance_mode] < GOVERNANCE_STRENGTH[demanded.governance_mode]) {
    problems.push(`governance mode ${candidate.governance_mode} is weaker than the required ${demanded.governance_mode}`);
  }
  const rules = new Set(candidate.strict_rules);
  for (const rule of demanded.strict_rules) if (!rules.has(rule)) problems.push(`strict rule missing: ${JSON.stringify(rule)}`);
  const tools = new Set(demanded.allowed_tools);
  for (const tool of candidate.allowed_tools) if (!tools.has(tool)) problems.push(`tool not allowed by the role: ${tool}`);
  const writable = new Set(demanded.lock_set.write);
  for (const glob of candidate.lock_set.write) if (!writable.has(glob)) problems.push(`wider write lock: ${glob}`);
  const readable = new Set([...demanded.lock_set.read, ...demanded.lock_set.write]);
  for (const glob of candidate.lock_set.read) if (!readable.has(glob)) problems.push(`wider read lock: ${glob}`);
  const denied = new Set(candidate.lock_set.deny);
  for (const glob of demanded.lock_set.deny) if (!denied.has(glob)) problems.push(`deny rule dropped: ${glob}`);
  // A result schema is the contract a workflow acts on: any other one (or none) is not the role's.
  if (canonicalJson(candidate.result_schema ?? null) !== canonicalJson(demanded.result_schema ?? null)) {
    problems.push(demanded.result_schema ? 'result schema differs from the one the role declares' : 'result schema the role does not declare');
  }
  return problems;
}
