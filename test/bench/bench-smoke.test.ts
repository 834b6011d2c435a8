import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

// Checks the harness and the report's shape only: figures from --quick are never asserted.
describe('npm run bench', () => {
  it('writes a report with machine facts and one well-formed entry per selected target', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'ctxpack-bench-smoke-')), 'report.json');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'canonical-hash', '--out', out], {
      cwd: PROJECT,
    });
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      machine: Record<string, unknown>;
      results: Record<string, unknown>[];
    };

    expect(report.machine).toMatchObject({
      cpu_model: expect.any(String),
      cores: expect.any(Number),
      total_mem_bytes: expect.any(Number),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      date: expect.any(String),
    });
    expect(report.results.map((r) => r.id)).toEqual(['canonical-hash']);
    for (const result of report.results) {
      expect(Number.isFinite(result.value)).toBe(true);
      expect(typeof result.met).toBe('boolean');
      for (const key of ['unit', 'target', 'baseline', 'title']) expect(result[key]).toEqual(expect.any(String));
      for (const value of Object.values(result.details as Record<string, unknown>)) {
        if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      }
    }
    expect(stdout).toMatch(/^id\s+measured\s+target\s+baseline\s+met$/m);
    expect(stdout).toContain('canonical-hash');
  });

  it('refuses an unknown id with exit code 2', async () => {
    const error = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'no-such-target'], { cwd: PROJECT }).then(
      () => expect.unreachable('expected exit code 2'),
      (err: unknown) => err as { code: number; stderr: string },
    );
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('unknown id "no-such-target"');
  });
});
