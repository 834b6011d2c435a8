/**
 * The package's compiled bin, `dist/cli/main.js`, built from the sources once per run (tsc, ~15 s): a
 * stale build would measure code that is not the checkout's. The assembly and scale targets share
 * it, so a full run builds once.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../targets/types.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'dist', 'cli', 'main.js');

export function builtCli(ctx: BenchContext): Promise<string> {
  return ctx.shared('built-cli', async () => {
    ctx.log("building dist/ (the package's compiled bin)");
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the build failed: ${build.stdout}${build.stderr}`);
    return CLI;
  });
}
