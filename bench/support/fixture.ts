/** The scaled workspace the assembly targets share: generated once per run, in the run's scratch folder. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from '../targets/types.js';
import { createScaledWorkspace, type ScaledWorkspace } from './scaled-workspace.js';

const MIB = 1024 * 1024;

export interface AssemblyFixture extends ScaledWorkspace {
  /** The options, as command-line flags of `bench/support/scaled-workspace.ts`, to regenerate it. */
  readonly flags: string;
}

/** 10,000 files / 200 MiB with one 32 MiB file (`--quick`: 1,000 files / 20 MiB, one 4 MiB file). */
export function scaledWorkspace(ctx: BenchContext): Promise<AssemblyFixture> {
  return ctx.shared('scaled-workspace', async () => {
    const options = ctx.quick
      ? { files: 1000, mib: 20, largeMib: 4 }
      : { files: 10_000, mib: 200, largeMib: 32 };
    const start = performance.now();
    const made = await createScaledWorkspace(path.join(ctx.scratch, 'scaled-workspace'), {
      files: options.files,
      totalBytes: options.mib * MIB,
      largeBytes: options.largeMib * MIB,
    });
    await writeFile(path.join(made.dir, 'required-files.txt'), made.files.join('\n') + '\n');
    ctx.log(`scaled workspace: ${made.files.length} files, ${(made.totalBytes / MIB).toFixed(0)} MiB, generated in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return { ...made, flags: `--files ${options.files} --mib ${options.mib} --large-mib ${options.largeMib}` };
  });
}
