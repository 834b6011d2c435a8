import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteHostPaths } from '../../../shared/core/paths.js';

const posix = { workspaceRoot: '/home/alice/projects/shop', home: '/home/alice' };
const windows = { workspaceRoot: 'C:\\Users\\alice\\projects\\shop', home: 'C:\\Users\\alice' };

describe('rewriteHostPaths', () => {
  it('replaces the workspace root first when it sits under home, then home', () => {
    const text = 'see /home/alice/projects/shop/src/a.ts and /home/alice/.npmrc';
    expect(rewriteHostPaths(text, posix)).toEqual({ text: 'see <workspace>/src/a.ts and <home>/.npmrc', count: 2 });
  });

  it('counts every occurrence', () => {
    const text = '/home/alice/projects/shop/a\n/home/alice/projects/shop/b\n/home/alice/c\n/home/alice';
    const result = rewriteHostPaths(text, posix);
    expect(result.text).toBe('<workspace>/a\n<workspace>/b\n<home>/c\n<home>');
    expect(result.count).toBe(4);
  });

  it('handles Windows roots written with backslashes, forward slashes, JSON-escaped backslashes and either drive case', () => {
    const text = [
      'at C:\\Users\\alice\\projects\\shop\\src\\a.ts:3',
      'at C:/Users/alice/projects/shop/src/b.ts',
      '{"file":"C:\\\\Users\\\\alice\\\\projects\\\\shop\\\\c.ts"}',
      'cache in c:\\Users\\alice\\AppData',
    ].join('\n');
    const result = rewriteHostPaths(text, windows);
    expect(result.text).toBe(
      ['at <workspace>\\src\\a.ts:3', 'at <workspace>/src/b.ts', '{"file":"<workspace>\\\\c.ts"}', 'cache in <home>\\AppData'].join('\n'),
    );
    expect(result.count).toBe(4);
  });

  it('finds a POSIX root written with backslashes too', () => {
    expect(rewriteHostPaths('\\home\\alice\\projects\\shop\\x', posix)).toEqual({ text: '<workspace>\\x', count: 1 });
  });

  it('rewrites file:// URLs, including percent-encoded ones, as a whole', () => {
    const hosts = { workspaceRoot: '/home/alice/my shop', home: '/home/alice' };
    const text = [
      'file:///home/alice/my%20shop/src/a.ts',
      'file:///home/alice/my shop/b.ts',
      'file:///home/alice/.config',
      'file:///C:/Users/alice/projects/shop/x.ts',
    ].join(' ');
    const first = rewriteHostPaths(text, hosts);
    expect(first.text).toBe('<workspace>/src/a.ts <workspace>/b.ts <home>/.config file:///C:/Users/alice/projects/shop/x.ts');
    expect(first.count).toBe(3);
    const win = rewriteHostPaths('file:///C:/Users/alice/projects/shop/x.ts and file:///c:/Users/alice/y', windows);
    expect(win).toEqual({ text: '<workspace>/x.ts and <home>/y', count: 2 });
  });

  it('matches whole paths only: not a longer name, not a path that merely ends the same way', () => {
    const text = '/home/alice/projects/shop2/a /home/alicea/b /mnt/backup/home/alice/c /home/alice/projects/shop.old';
    const result = rewriteHostPaths(text, posix);
    expect(result.text).toBe('<home>/projects/shop2/a /home/alicea/b /mnt/backup/home/alice/c <home>/projects/shop.old');
    expect(result.count).toBe(2);
  });

  it('still rewrites a path that ends a sentence or sits in quotes, brackets or a PATH list', () => {
    const text = 'It lives in /home/alice/projects/shop. PATH=/usr/bin:/home/alice/bin ("/home/alice") [/home/alice/projects/shop]';
    const result = rewriteHostPaths(text, posix);
    expect(result.text).toBe('It lives in <workspace>. PATH=/usr/bin:<home>/bin ("<home>") [<workspace>]');
    expect(result.count).toBe(4);
  });

  it('changes nothing when no host path appears, or for a root of "/" and no home', () => {
    const text = 'src/a.ts imports ../lib and /usr/lib/node';
    expect(rewriteHostPaths(text, posix)).toEqual({ text, count: 0 });
    expect(rewriteHostPaths(text, { workspaceRoot: '/' })).toEqual({ text, count: 0 });
    expect(rewriteHostPaths(text, { workspaceRoot: '/work/x', home: undefined })).toEqual({ text, count: 0 });
  });

  it('treats regex metacharacters in a root literally', () => {
    const hosts = { workspaceRoot: '/tmp/a+b (copy)/[x]', home: '/root' };
    expect(rewriteHostPaths('/tmp/a+b (copy)/[x]/f and /tmp/aab (copy)/[x]/f', hosts)).toEqual({
      text: '<workspace>/f and /tmp/aab (copy)/[x]/f',
      count: 1,
    });
  });

  it('ignores a trailing separator on the roots', () => {
    expect(rewriteHostPaths('/home/alice/projects/shop/a', { workspaceRoot: '/home/alice/projects/shop/' }).text).toBe('<workspace>/a');
  });

  it('is idempotent (property)', () => {
    const fragment = fc.constantFrom(
      '/home/alice',
      '/home/alice/projects/shop',
      'C:\\Users\\alice',
      'C:\\Users\\alice\\projects\\shop',
      'file://',
      '/',
      '\\',
      'x',
      '.',
      ' ',
      '<workspace>',
      '%20',
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 10 }), fc.constantFrom(posix, windows), (parts, hosts) => {
        const once = rewriteHostPaths(parts.join(''), hosts);
        const twice = rewriteHostPaths(once.text, hosts);
        expect(twice).toEqual({ text: once.text, count: 0 });
      }),
      { numRuns: 2000 },
    );
  });
});
