import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCtxpack } from '../support/cli.js';

describe('ctxpack doctor', () => {
  it('reports the Temporal CLI version and a reachable server as JSON', async () => {
    const address = inject('temporalAddress');
    const result = await runCtxpack(['doctor', '--json'], {
      env: { TEMPORAL_ADDRESS: address, TEMPORAL_CLI_PATH: inject('temporalCliPath') },
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      node: process.versions.node,
      sdk: '1.24.0',
      temporalCli: { path: inject('temporalCliPath'), source: 'env' },
      server: { address, reachable: true },
    });
    expect((report['temporalCli'] as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report['ui']).toMatch(/^http:\/\//);
  });

  it('says the server is unreachable without failing when only the server is missing', async () => {
    const result = await runCtxpack(['doctor', '--json'], {
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CLI_PATH: inject('temporalCliPath') },
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { server: { reachable: boolean; error?: string } };
    expect(report.server.reachable).toBe(false);
    expect(report.server.error).toBeTruthy();
  });

  it('exits non-zero with a fix when TEMPORAL_CLI_PATH is not a Temporal CLI', async () => {
    const result = await runCtxpack(['doctor'], {
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CLI_PATH: '/bin/false' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/temporal cli\s+not found/);
    expect(result.stderr).toMatch(/TEMPORAL_CLI_PATH=\/bin\/false is not a runnable Temporal CLI/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('with --no-install and no CLI anywhere, points at the doctor without --no-install and the cache it would fill', async () => {
    const tools = await mkdtemp(path.join(tmpdir(), 'ctxpack-no-tools-'));
    try {
      const result = await runCtxpack(['doctor', '--no-install'], {
        env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CLI_PATH: '', PATH: path.dirname(process.execPath), CTXPACK_TOOLS_DIR: tools },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('run `npx ctxpack doctor` without --no-install');
      expect(result.stderr).toContain(tools);
      expect(result.stderr).not.toContain('doctor --install');
    } finally {
      await rm(tools, { recursive: true, force: true });
    }
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const result = await runCtxpack(['no-such-command']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });
});
