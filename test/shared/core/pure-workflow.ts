/**
 * A workflow that uses the pure path rules, bundled by `pure-paths.test.ts` with Temporal's own
 * workflow bundler: the bundle fails if `shared/core/paths.ts` or `lock-set.ts` (or picomatch) pulls in a Node built-in.
 */
import { lockDecision } from '../../../shared/core/lock-set.js';
import { assertWorkspaceGlob, rewriteHostPaths, workspacePathProblem } from '../../../shared/core/paths.js';

export async function pathRulesWorkflow(path: string): Promise<string> {
  const decision = lockDecision({ write: [assertWorkspaceGlob('src/**', 'write[0]')], read: ['**'], deny: ['.env'] }, path, 'write');
  const problem = workspacePathProblem(path) ?? 'ok';
  return `${problem} ${decision.rule} ${rewriteHostPaths(path, { workspaceRoot: '/w' }).count}`;
}
