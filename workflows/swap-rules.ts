/**
 * Swap validation and escalation choice: pure functions over what the workflow already knows, so
 * the Update validator can reject a bad request before anything reaches history.
 */
import type { RoleSummary, Seat, SwapRequest, WorkspaceDescription } from '../shared/core/schema/governed-job.js';

export interface SwapContext {
  readonly description: WorkspaceDescription;
  readonly cloudConsent: boolean;
  readonly processedRequestIds: ReadonlySet<string>;
  readonly swapInFlight: string | undefined;
}

/** Why a request is refused, or undefined when it may proceed. */
export function swapProblem(request: SwapRequest, context: SwapContext): string | undefined {
  if (context.processedRequestIds.has(request.request_id) || context.swapInFlight === request.request_id) {
    return `request_id "${request.request_id}" was already used; send a new request id for a new swap`;
  }
  // One swap at a time: a second request is refused (not queued) so its caller learns at once and
  // can retry against the pack that the first swap bound.
  if (context.swapInFlight !== undefined) {
    return `swap "${context.swapInFlight}" is still in progress; retry when it has finished`;
  }
  const role = context.description.roles.find((r) => r.role_id === request.target_role);
  if (!role) {
    const known = context.description.roles.map((r) => r.role_id).join(', ');
    return `unknown role "${request.target_role}"; this workspace defines: ${known}`;
  }
  if (!role.ladder.some((rung) => rung.model === request.model && rung.provider === request.provider)) {
    const allowed = role.ladder.map((rung) => `${rung.model}@${rung.provider}`).join(', ');
    return `model ${request.model}@${request.provider} is not in role "${role.role_id}"'s work profile; allowed: ${allowed}`;
  }
  return cloudProblem(role, request.provider, context);
}

export function cloudProblem(role: RoleSummary, providerId: string, context: SwapContext): string | undefined {
  const provider = context.description.providers.find((p) => p.id === providerId);
  if (!provider) return `provider "${providerId}" is not in the workspace's provider registry`;
  if (provider.location !== 'cloud') return undefined;
  if (!context.description.cloud_allowed) return `provider "${providerId}" is cloud and the workspace forbids cloud providers`;
  if (!role.cloud_allowed) return `provider "${providerId}" is cloud and role "${role.role_id}" forbids cloud providers`;
  if (!context.cloudConsent) {
    return `provider "${providerId}" is cloud and no cloud consent is recorded for this job; grant consent first`;
  }
  return undefined;
}

/** The next rung above `seat` in its role's ladder that may be used, or undefined at the top. */
export function nextRung(seat: Seat, context: SwapContext): { model: string; provider: string } | undefined {
  const role = context.description.roles.find((r) => r.role_id === seat.role);
  if (!role) return undefined;
  const at = role.ladder.findIndex((rung) => rung.model === seat.model && rung.provider === seat.provider);
  for (const rung of role.ladder.slice(at + 1)) {
    if (cloudProblem(role, rung.provider, context) === undefined) return rung;
  }
  return undefined;
}

export function locationOf(description: WorkspaceDescription, providerId: string): 'local' | 'cloud' {
  return description.providers.find((p) => p.id === providerId)?.location ?? 'local';
}
