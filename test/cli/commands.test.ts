/**
 * Every command module in cli/commands/ is in the manifest, exports the register function the
 * manifest loads, and is listed by `ctxpack --help` (a command file left out of the manifest is
 * unreachable; see CONTRIBUTING.md).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.js';
import { runCtxpack } from '../support/cli.js';

const DIR = fileURLToPath(new URL('../../cli/commands/', import.meta.url));
// Helper modules of commands, not commands themselves.
const NOT_COMMANDS = new Set(['index', 'doctor-local-model']);

describe('the command manifest', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((f) => !NOT_COMMANDS.has(f));

  it('names every command module', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((name) => !(name in COMMANDS)).sort()).toEqual([]);
  });

  it('loads a register function for every entry', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(typeof (await entry.load()), name).toBe('function');
    }
  });

  it('--help lists every command with its description', async () => {
    const help = await runCtxpack(['--help']);
    expect(help.code, help.stderr).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(help.stdout, name).toContain(name);
      expect(help.stdout.replace(/\s+/g, ' '), name).toContain(entry.description.slice(0, 40));
    }
  });
});
