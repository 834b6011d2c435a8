/**
 * RT-LEAK-001: no cloud call without consent; with consent, cloud providers get the projection
 * (local-only items removed, secrets re-scrubbed) and the projection is recorded as counts and hashes.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { defaultProviderFactory } from '../../activities/invoke-model.js';
import type { ModelRequest } from '../../activities/providers/model-provider.js';
import { canonicalBytes } from '../../shared/core/canonical.js';
import { sha256 } from '../../shared/engine/hash.js';
import { scrubMessages } from '../../shared/engine/projection.js';
import { invocations } from '../../cli/temporal/history-records.js';
import { grantCloudConsent, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { CLOUD, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

async function recordingSetup(label: string) {
  const sent: { provider: string; request: ModelRequest }[] = [];
  const setup = await setupJob(label, {
    providerFactory: async (snapshot, context) => {
      const provider = await defaultProviderFactory(snapshot, context);
      return { id: provider.id, complete: (request) => (sent.push({ provider: snapshot.entry.id, request }), provider.complete(request)) };
    },
  });
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  return { setup, sent };
}

describe('RT-LEAK-001: cloud consent and projection', () => {
  it('refuses to start a job on a cloud model without consent, calling nothing', async () => {
    const { setup, sent } = await recordingSetup('cloud-noconsent');
    const handle = await startJob(setup, jobInput(CLOUD));
    const error = await runWorker(setup, () => handle.result().catch((err: unknown) => err));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as ApplicationFailure).message).toMatch(/no cloud consent/);
    expect(sent).toHaveLength(0);
  });

  it('after grantCloudConsent, sends cloud models the projection and records it', async () => {
    const { setup, sent } = await recordingSetup('cloud-consent');
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const refused = await handle.executeUpdate(requestModelSwap, { args: [swap(CLOUD)] }).catch((e: unknown) => e);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/no cloud consent/);
      const badGrant = await handle.executeUpdate(grantCloudConsent, { args: [{ granted_by: ' ' }] }).catch((e: unknown) => e);
      expect(badGrant).toBeInstanceOf(WorkflowUpdateFailedError);

      const consent = await handle.executeUpdate(grantCloudConsent, { args: [{ granted_by: 'ops@example', note: 'ticket OPS-1' }] });
      expect(consent.granted_by).toBe('ops@example');
      await handle.executeUpdate(requestModelSwap, { args: [swap(CLOUD)] });
      const state = await handle.query(packState);
      expect(state).toMatchObject({ cloud_consent: true, location: 'cloud', cloud_tier: 'cloud-standard' });
      await openGate(setup.dir);
      await handle.result();
    });

    const records = invocations(await handle.fetchHistory());
    const cloud = records.filter((r) => r.result.identity.location === 'cloud');
    expect(cloud.length).toBeGreaterThan(0);
    for (const record of cloud) {
      expect(record.result.projection?.counts['local-only']).toBe(1);
      expect(record.result.projection?.removed_item_ids).toEqual([expect.stringMatching(/^loop-[0-9a-f]{16}$/)]);
    }
    const local = sent.filter((s) => s.provider === 'local-small');
    const remote = sent.filter((s) => s.provider === 'cloud-scripted');
    expect(local[0]?.request.messages[1]?.content).toContain('Ops still has to confirm the allowed logLevel values.');
    for (const call of remote) {
      expect(call.request.messages[1]?.content).not.toContain('Ops still has to confirm');
      // The recorded render hash is exactly what the cloud provider received.
      expect(cloud.map((r) => r.result.identity.render_hash)).toContain(sha256(canonicalBytes(call.request.messages)));
    }
  });

  it('re-scrubs the final request for secrets as a last line of defence', async () => {
    const token = ['glpat', '-', 'aB3dE5gH7jK9mN1pQ3sT'].join('');
    const { messages, counts } = await scrubMessages([{ role: 'user', content: `feedback: push failed with ${token}` }]);
    expect(messages[0]?.content).not.toContain(token);
    expect(counts).toEqual({ 'gitlab-token': 1 });
  });
});
