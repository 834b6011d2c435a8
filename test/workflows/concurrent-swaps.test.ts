/**
 * Concurrent swaps (#14): while one swap's activity is in flight, an Update is refused (the caller
 * is told to retry), a Signal waits behind it and is then applied, in that order. The swap activity
 * is the real one, held at a gate so "in flight" lasts as long as the test needs.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { modelSwap, packState, requestModelSwap } from '../../workflows/governed-job.js';
import { BIG, GATED_PASSING_SCRIPT, TINY, jobInput, openGate, runWorker, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';

describe('concurrent swaps', () => {
  it('refuses an Update while a swap is in flight, and applies a Signal queued behind it afterwards', async () => {
    const setup = await setupJob('concurrent');
    await writeScript(setup.dir, GATED_PASSING_SCRIPT);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    const realSwap = setup.activities.swapPacks;
    let held = false;
    setup.activities.swapPacks = async (input) => {
      if (!held) {
        held = true; // only the first swap is held
        entered();
        await gate;
      }
      return realSwap(input);
    };

    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
      const first = handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'first' })] });
      await inFlight;

      const refused = await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'second' })] }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('swap "first" is still in progress');

      await handle.signal(modelSwap, swap(TINY, { request_id: 'queued' }));
      // The signal waits: the first swap still holds the seat change.
      const during = await handle.query(packState);
      expect(during.swap_log.map((e) => e.request_id)).not.toContain('queued');
      expect(during.seat).toEqual(TINY);

      release();
      expect((await first).decision).toMatch(/reused|rebuilt/);
      const state = await waitForState(handle, (s) => s.swap_log.some((e) => e.request_id === 'queued'));
      expect(state.swap_log.map((e) => [e.request_id, e.via, e.outcome === 'rejected' ? 'rejected' : 'applied'])).toEqual([
        ['first', 'update', 'applied'],
        ['queued', 'signal', 'applied'],
      ]);
      expect(state.seat).toEqual(TINY);
      await openGate(setup.dir);
      expect((await handle.result()).status).toBe('passed');
    });
  });

  it('refuses an Update that races an automatic escalation, and applies a Signal after it', async () => {
    const setup = await setupJob('race-escalation');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: (id: string) => void = () => {};
    const inFlight = new Promise<string>((resolve) => (entered = resolve));
    const realSwap = setup.activities.swapPacks;
    setup.activities.swapPacks = async (input) => {
      if (input.request.reason === 'escalation') {
        entered(input.request.request_id);
        await gate;
      }
      return realSwap(input);
    };
    // The example's scripted tiny model fails MT-7.1 twice, so the job escalates to the big one.
    const handle = await startJob(setup, jobInput(TINY));
    await runWorker(setup, async () => {
      const escalation = await inFlight;
      const raced = await handle.executeUpdate(requestModelSwap, { args: [swap(TINY, { request_id: 'raced' })] }).catch((err: unknown) => err);
      expect(raced).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((raced as WorkflowUpdateFailedError).cause?.message).toContain(`swap "${escalation}" is still in progress`);
      await handle.signal(modelSwap, swap(BIG, { request_id: 'after-escalation' }));
      release();
      const result = await handle.result();
      expect(result.status).toBe('passed');
      const state = await handle.query(packState);
      expect(state.swap_log.map((e) => [e.via, e.request_id === escalation ? 'escalation' : e.request_id])).toEqual([
        ['workflow', 'escalation'],
        ['signal', 'after-escalation'],
      ]);
      expect(state.seat).toEqual(BIG);
    });
  });
});
