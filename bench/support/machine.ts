/** The machine facts recorded with every report: figures only compare on the same kind of machine. */
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
