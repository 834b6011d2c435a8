import { describe, expect, it } from 'vitest';
import type { WorkspaceDescription } from '../../shared/core/schema/governed-job.js';
import { nextRung, swapProblem, type SwapContext } from '../../workflows/swap-rules.js';

const description: WorkspaceDescription = {
  cloud_allowed: true,
  provider_registry_hash: null,
  micro_tasks: [{ id: 'MT-1', title: 'one' }],
  providers: [
    { id: 'small', location: 'local', models: ['s'] },
    { id: 'large', location: 'local', models: ['l'] },
    { id: 'cloud', location: 'cloud', cloud_tier: 'standard', models: ['c'] },
  ],
  roles: [
    {
      role_id: 'coder',
      cloud_allowed: true,
      escalate_after_failures: 2,
      max_iterations: 5,
      ladder: [
        { provider: 'small', model: 's' },
        { provider: 'large', model: 'l' },
        { provider: 'cloud', model: 'c' },
      ],
    },
    { role_id: 'validator', cloud_allowed: false, escalate_after_failures: 1, max_iterations: 2, ladder: [{ provider: 'small', model: 's' }, { provider: 'cloud', model: 'c' }] },
  ],
};

function context(overrides: Partial<SwapContext> = {}): SwapContext {
  return { description, cloudConsent: true, processedRequestIds: new Set(), swapInFlight: undefined, ...overrides };
}

const request = (target_role: string, model: string, provider: string, request_id = 'r1') => ({
  request_id,
  target_role,
  model,
  provider,
  reason: 'swap' as const,
  requester: 'test',
});

describe('swap rules', () => {
  it('accepts a model from the role work profile', () => {
    expect(swapProblem(request('coder', 'l', 'large'), context())).toBeUndefined();
  });

  it.each([
    ['an unknown role', request('reviewer', 's', 'small'), context(), /unknown role "reviewer"; this workspace defines: coder, validator/],
    ['a model outside the work profile', request('coder', 'x', 'small'), context(), /not in role "coder"'s work profile; allowed: s@small, l@large, c@cloud/],
    ['cloud for a role that forbids it', request('validator', 'c', 'cloud'), context(), /role "validator" forbids cloud/],
    ['cloud when the workspace forbids it', request('coder', 'c', 'cloud'), context({ description: { ...description, cloud_allowed: false } }), /workspace forbids cloud/],
    ['cloud without consent', request('coder', 'c', 'cloud'), context({ cloudConsent: false }), /no cloud consent/],
    ['a used request id', request('coder', 'l', 'large', 'dup'), context({ processedRequestIds: new Set(['dup']) }), /already used/],
    ['a swap while another is in flight', request('coder', 'l', 'large', 'second'), context({ swapInFlight: 'first' }), /"first" is still in progress/],
  ])('refuses %s', (_label, req, ctx, message) => {
    expect(swapProblem(req, ctx)).toMatch(message);
  });

  it('escalates to the next rung, skipping cloud rungs that are not allowed', () => {
    expect(nextRung({ role: 'coder', model: 's', provider: 'small' }, context())).toEqual({ provider: 'large', model: 'l' });
    expect(nextRung({ role: 'coder', model: 'l', provider: 'large' }, context())).toEqual({ provider: 'cloud', model: 'c' });
    expect(nextRung({ role: 'coder', model: 'l', provider: 'large' }, context({ cloudConsent: false }))).toBeUndefined();
    expect(nextRung({ role: 'validator', model: 's', provider: 'small' }, context())).toBeUndefined();
  });
});
