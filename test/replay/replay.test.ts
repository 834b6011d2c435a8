import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, inject, it } from 'vitest';
import { MILESTONE_PATCH } from '../../workflows/operator-view.js';

const FIXTURES = new URL('../fixtures/histories/', import.meta.url);
const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort();

function load(name: string) {
  return historyFromJSON(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')));
}

describe('replaying recorded governed-job histories with the current workflow code', () => {
  it('has the recorded scenarios: swaps, an escalation, a rejected swap, continue-as-new, a cloud call, a multi-role job, swaps under the milestone patch', () => {
    expect(fixtures).toEqual([
      'job-with-cloud-call.json',
      'job-with-continue-as-new.json',
      'job-with-escalation.json',
      'job-with-rejected-swap.json',
      'job-with-swaps-at-milestones.json',
      'job-with-swaps.json',
      'multi-role-job.json',
    ]);
  });

  for (const name of fixtures) {
    it(`replays ${name} deterministically`, async () => {
      const history = load(name);
      expect(history.events?.length).toBeGreaterThan(10);
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, name);
    });
  }

  it('covers both operator-view paths: upserts on every swap (before the patch) and at milestones (after it)', () => {
    // A patch marker's details hold the patch id in a JSON payload.
    const patchMarkers = (name: string) =>
      (load(name).events ?? []).filter((e) => {
        const marker = e.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_patch') return false;
        const payloads = Object.values(marker.details ?? {}).flatMap((p) => p.payloads ?? []);
        return payloads.some((p) => Buffer.from(p.data ?? []).toString('utf8').includes(MILESTONE_PATCH));
      }).length;
    const upsertsInSwaps = (name: string) => {
      const events = load(name).events ?? [];
      const first = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      const last = events.findLastIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes);
      return events.slice(first, last).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.workflowPropertiesModifiedEventAttributes).length;
    };
    expect(patchMarkers('job-with-swaps.json')).toBe(0);
    expect(upsertsInSwaps('job-with-swaps.json')).toBeGreaterThan(0);
    expect(patchMarkers('job-with-swaps-at-milestones.json')).toBe(1);
    expect(upsertsInSwaps('job-with-swaps-at-milestones.json')).toBe(0);
  });

  it('fails on a non-deterministic change to the workflow', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/mutated-workflows.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const error = await Worker.runReplayHistory({ workflowBundle: bundle }, load('job-with-swaps.json'), 'mutated').catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
  });
});
