import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PackInputRejected, PackPathRejected, PackSourceMissing } from '../../../shared/core/errors.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';

const run = promisify(execFile);

let parent: string;
let root: string;
let ws: Workspace;

/** Writes `content` at workspace-relative `rel`, creating parents. */
async function put(rel: string, content: string | Buffer, base = root): Promise<void> {
  await mkdir(path.dirname(path.join(base, rel)), { recursive: true });
  await writeFile(path.join(base, rel), content);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

beforeAll(async () => {
  parent = await realpath(await mkdtemp(path.join(tmpdir(), 'ctxpack-wsfs-')));
  root = path.join(parent, 'ws');
  const outside = path.join(parent, 'outside');
  await put('secret.txt', 'outside secret\n', outside);
  await put('sub/deep.txt', 'deep outside\n', outside);
  await put('src/a.ts', 'export const a = 1;\n');
  await put('src/b.ts', 'export const b = 2;\n');

  // Escapes.
  await symlink('../outside/secret.txt', path.join(root, 'leak')); // a file outside
  await symlink('../outside', path.join(root, 'outdir')); // a directory outside
  await symlink('/etc/hostname', path.join(root, 'abs-leak')); // absolute target
  await symlink('chain2', path.join(root, 'chain1')); // a chain that ends outside
  await symlink('chain3', path.join(root, 'chain2'));
  await symlink('../outside/secret.txt', path.join(root, 'chain3'));
  await symlink('../ws/src', path.join(outside, 'back')); // outside, pointing back in
  await symlink('../outside/back', path.join(root, 'hop')); // in -> out -> in
  await symlink('../outside/nope.txt', path.join(root, 'dangling-out'));
  await symlink('../outside/missing-dir/x', path.join(root, 'dangling-out-deep'));
  await mkdir(path.join(root, 'loop'));
  await symlink('loop-b', path.join(root, 'loop/loop-a'));
  await symlink('loop-a', path.join(root, 'loop/loop-b'));

  // Symlinks that stay inside.
  await symlink('src/a.ts', path.join(root, 'inside-link'));
  await symlink('inside-link', path.join(root, 'inside-chain'));
  await symlink('src', path.join(root, 'src-link'));
  await symlink('.', path.join(root, 'self'));
  await symlink('src/nope.ts', path.join(root, 'dangling-in'));

  ws = await Workspace.open(root);
});

describe('Workspace.open', () => {
  it('canonicalises the root with realpath', async () => {
    const viaLink = path.join(parent, 'ws-link');
    await symlink('ws', viaLink);
    expect((await Workspace.open(viaLink)).root).toBe(root);
  });

  it.each([
    ['a missing directory', 'does-not-exist'],
    ['a file', 'ws/src/a.ts'],
  ])('refuses %s with PackSourceMissing, without the host path', async (_label, rel) => {
    const error = await failure(Workspace.open(path.join(parent, rel)));
    expect(error).toBeInstanceOf(PackSourceMissing);
    expect((error as Error).message).not.toContain(parent);
  });
});

describe('Workspace.resolve: symlinks', () => {
  it.each([
    ['a symlink to a file outside', 'leak'],
    ['a file under a symlinked directory outside', 'outdir/secret.txt'],
    ['a deeper file under a symlinked directory outside', 'outdir/sub/deep.txt'],
    ['an absolute symlink', 'abs-leak'],
    ['a symlink chain that ends outside', 'chain1'],
    ['a path that leaves and comes back in', 'hop/a.ts'],
    ['a dangling symlink pointing outside', 'dangling-out'],
    ['a dangling symlink into a missing directory outside', 'dangling-out-deep'],
    ['a file "under" a dangling outside symlink', 'dangling-out/x'],
  ])('refuses %s (rule symlink-escape)', async (_label, rel) => {
    const field = `work_unit.context_sources[3]`;
    const error = await failure(ws.resolve(rel, field));
    expect(error).toBeInstanceOf(PackPathRejected);
    const rejected = error as PackPathRejected;
    expect(rejected.details).toEqual({ rule: 'symlink-escape', field });
    expect(rejected.message).toBe(`${field}: the path goes through a symlink that leads outside the workspace (rule symlink-escape)`);
    expect(rejected.message).not.toContain(parent);
    await expect(ws.readBytes(rel, field)).rejects.toBeInstanceOf(PackPathRejected);
    await expect(ws.hashFile(rel, field)).rejects.toBeInstanceOf(PackPathRejected);
  });

  it.each([
    ['a symlink inside pointing inside', 'inside-link'],
    ['a chain of symlinks inside', 'inside-chain'],
    ['a file under a symlinked directory inside', 'src-link/a.ts'],
    ['a path through a symlink to the root itself', 'self/self/src/a.ts'],
  ])('accepts %s and returns the real path', async (_label, rel) => {
    expect(await ws.resolve(rel, 'f')).toBe(path.join(root, 'src/a.ts'));
    expect((await ws.readBytes(rel, 'f')).toString()).toBe('export const a = 1;\n');
  });

  it('reports a missing file as PackSourceMissing naming the field and a fix, never the path (#14)', async () => {
    const error = await failure(ws.resolve('src/missing.ts', 'work_unit.required_files[1]'));
    expect(error).toBeInstanceOf(PackSourceMissing);
    const missing = error as PackSourceMissing;
    expect(missing.message).toBe('work_unit.required_files[1]: the file it names does not exist in the workspace');
    expect(missing.fix).toContain('work_unit.required_files[1]');
    expect(JSON.stringify([missing.message, missing.fix, missing.details])).not.toContain('missing.ts');
    expect(missing.details).toMatchObject({ field: 'work_unit.required_files[1]' });
  });

  it('reports a dangling symlink that points inside as missing, not as an escape', async () => {
    await expect(ws.resolve('dangling-in', 'f')).rejects.toBeInstanceOf(PackSourceMissing);
  });

  it('reports a path under a file, and a symlink loop, as missing', async () => {
    await expect(ws.resolve('src/a.ts/x', 'f')).rejects.toBeInstanceOf(PackSourceMissing);
    const loop = await failure(ws.resolve('loop/loop-a', 'f'));
    expect(loop).toBeInstanceOf(PackSourceMissing);
    expect((loop as Error).message).toContain('symlink loop');
  });

  it('applies the path rules before touching the disk', async () => {
    const error = await failure(ws.resolve('../outside/secret.txt', 'f'));
    expect(error).toBeInstanceOf(PackPathRejected);
    expect((error as PackPathRejected).details['rule']).toBe('dot-dot');
    await expect(ws.readBytes('/etc/passwd', 'f')).rejects.toMatchObject({ details: { rule: 'absolute' } });
  });
});

describe('Workspace reads', () => {
  it('returns bytes exactly as stored: CRLF, BOM and invalid UTF-8 untouched', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\r\nb\r\n'), Buffer.from([0xff, 0xfe, 0x00])]);
    await put('data/raw.bin', bytes);
    expect((await ws.readBytes('data/raw.bin', 'f')).equals(bytes)).toBe(true);
    const hashed = await ws.hashFile('data/raw.bin', 'f');
    expect(hashed).toEqual({ sha256: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes: bytes.length });
  });

  it('streams the hash of a large file', async () => {
    const big = Buffer.alloc(24 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await put('data/big.bin', big);
    expect(await ws.hashFile('data/big.bin', 'f')).toEqual({
      sha256: `sha256:${createHash('sha256').update(big).digest('hex')}`,
      bytes: big.length,
    });
  });

  it('hashes an empty file', async () => {
    await put('data/empty', '');
    expect(await ws.hashFile('data/empty', 'f')).toEqual({ sha256: `sha256:${createHash('sha256').digest('hex')}`, bytes: 0 });
  });

  it('refuses a directory as not a regular file', async () => {
    const error = await failure(ws.readBytes('src', 'codex[0]'));
    expect(error).toBeInstanceOf(PackInputRejected);
    expect((error as Error).message).toBe('codex[0] is not a regular file (a FIFO, device, socket or directory) (rule not-regular-file)');
  });

  it('refuses a FIFO without blocking on it', async () => {
    await run('mkfifo', [path.join(root, 'data/pipe')]);
    await expect(ws.readBytes('data/pipe', 'f')).rejects.toBeInstanceOf(PackInputRejected);
    await expect(ws.hashFile('data/pipe', 'f')).rejects.toBeInstanceOf(PackInputRejected);
  });
});

describe('Workspace.glob', () => {
  let gws: Workspace;
  beforeAll(async () => {
    const groot = path.join(parent, 'globbed');
    for (const rel of ['b.ts', 'B.ts', 'a.ts', '_a.ts', 'é.ts', 'z/y.ts', 'src/x.ts', 'src/.hidden.ts', '.ctxpack/roles/coder.yaml']) {
      await put(rel, rel, groot);
    }
    for (const rel of ['.git/config', 'src/.git/HEAD', 'node_modules/pkg/index.js', 'src/node_modules/x.js', '.ctxpack/store/sha256/ab/abc']) {
      await put(rel, 'ignored', groot);
    }
    await symlink('../outside', path.join(groot, 'outdir'));
    await symlink('../outside/secret.txt', path.join(groot, 'leak.ts'));
    await symlink('src/x.ts', path.join(groot, 'alias.ts'));
    await symlink('src', path.join(groot, 'src-link'));
    await symlink('.', path.join(groot, 'loop'));
    await symlink('nowhere.ts', path.join(groot, 'dangling.ts'));
    await symlink('../ws/src/a.ts', path.join(groot, 'round-trip.ts')); // out of this root and into another
    await symlink('../globbed/src/x.ts', path.join(groot, 'out-and-back.ts')); // out and back in
    gws = await Workspace.open(groot);
  });

  it('lists matching files sorted by UTF-16 code units, skipping .git, node_modules and the store', async () => {
    expect(await gws.glob(['**/*'])).toEqual([
      '.ctxpack/roles/coder.yaml',
      'B.ts',
      '_a.ts',
      'a.ts',
      'alias.ts',
      'b.ts',
      'src/.hidden.ts',
      'src/x.ts',
      'z/y.ts',
      'é.ts',
    ]);
  });

  it('lists a symlinked file that stays inside, never one that leads out, and descends no symlinked directory', async () => {
    const all = await gws.glob(['**']);
    expect(all).toContain('alias.ts');
    expect(all).not.toContain('leak.ts');
    expect(all).not.toContain('dangling.ts');
    expect(all).not.toContain('round-trip.ts');
    // Listed paths are exactly the ones reading accepts: resolve() refuses a link that leaves, even
    // when it comes back in.
    expect(all).not.toContain('out-and-back.ts');
    await expect(gws.readBytes('out-and-back.ts', 'f')).rejects.toMatchObject({ details: { rule: 'symlink-escape' } });
    for (const file of all) await expect(gws.readBytes(file, 'f')).resolves.toBeInstanceOf(Buffer);
    expect(all.filter((f) => f.startsWith('outdir/') || f.startsWith('src-link/') || f.startsWith('loop/'))).toEqual([]);
  });

  it('matches like picomatch: a directory pattern does not expand, braces work, ignore applies', async () => {
    expect(await gws.glob(['src'])).toEqual([]);
    expect(await gws.glob(['src/*.ts'])).toEqual(['src/.hidden.ts', 'src/x.ts']);
    expect(await gws.glob(['{a,b}.ts', 'z/*'])).toEqual(['a.ts', 'b.ts', 'z/y.ts']);
    expect(await gws.glob(['**/*.ts'], { ignore: ['src/**', '*.ts'] })).toEqual(['z/y.ts']);
    expect(await gws.glob([])).toEqual([]);
  });

  it('refuses patterns and ignores that leave the workspace', async () => {
    await expect(gws.glob(['../**'])).rejects.toMatchObject({ details: { rule: 'dot-dot', field: 'glob.patterns[0]' } });
    await expect(gws.glob(['src/**', '{..,src}/*'])).rejects.toMatchObject({ details: { field: 'glob.patterns[1]' } });
    await expect(gws.glob(['/etc/*'])).rejects.toBeInstanceOf(PackPathRejected);
    await expect(gws.glob(['**'], { ignore: ['../x'] })).rejects.toMatchObject({ details: { field: 'glob.ignore[0]' } });
  });

  it('accepts src/**/*.ts', async () => {
    expect(await gws.glob(['src/**/*.ts'])).toEqual(['src/.hidden.ts', 'src/x.ts']);
  });
});
