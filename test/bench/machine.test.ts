import { describe, expect, it } from 'vitest';
import { cpuTimes, stealPercent } from '../../bench/support/machine.js';

describe('the steal figure recorded with bench results', () => {
  it('reads this machine\'s CPU time on Linux, steal within the total', () => {
    const times = cpuTimes();
    if (process.platform !== 'linux') {
      expect(times).toBeUndefined();
      return;
    }
    expect(times).toBeDefined();
    expect(times?.total).toBeGreaterThan(0);
    expect(times?.steal).toBeGreaterThanOrEqual(0);
    expect(times?.steal).toBeLessThanOrEqual(times?.total ?? 0);
  });

  it('is the share of the CPU time between two readings the hypervisor took, in percent', () => {
    expect(stealPercent({ steal: 100, total: 1000 }, { steal: 250, total: 2000 })).toBe(15);
    expect(stealPercent({ steal: 0, total: 0 }, { steal: 1, total: 3 })).toBe(33.3);
  });

  it('is undefined without two readings or without time between them', () => {
    expect(stealPercent(undefined, { steal: 1, total: 2 })).toBeUndefined();
    expect(stealPercent({ steal: 1, total: 2 }, undefined)).toBeUndefined();
    expect(stealPercent({ steal: 1, total: 2 }, { steal: 1, total: 2 })).toBeUndefined();
  });
});
