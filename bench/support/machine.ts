/** The machine facts recorded with every report: figures only compare on the same kind of machine. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineFacts {
  readonly cpu_model: string;
  readonly cores: number;
  readonly total_mem_bytes: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly date: string;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    total_mem_bytes: os.totalmem(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    date: new Date().toISOString(),
  };
}

/** The machine's CPU time so far, all cores, in clock ticks (Linux `/proc/stat`); undefined elsewhere. */
export interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

export function cpuTimes(): CpuTimes | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user).
    const fields = first.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    return { steal: fields[7] as number, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * The share of the machine's CPU time the hypervisor took (steal) between two readings, in percent:
 * on a shared host it slows parallel work more than the single-threaded baselines, so a row measured
 * under heavy steal is not comparable with one measured without.
 */
export function stealPercent(from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return Math.round((1000 * (to.steal - from.steal)) / (to.total - from.total)) / 10;
}
