/**
 * The red-team suite is complete by construction: every case id has a test here titled with it, and
 * every id the shipped code or the README mentions is a registered case.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO, shippedModules } from '../architecture/import-graph.js';
import { RED_TEAM_CASES } from './cases.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ID = /RT-[A-Z]+-\d{3}/g;

/** Titles of `describe`/`it` calls in the red-team test files. */
function titles(): string[] {
  return readdirSync(HERE)
    .filter((name) => name.endsWith('.test.ts') && name !== 'cases.test.ts')
    .flatMap((name) => [...readFileSync(path.join(HERE, name), 'utf8').matchAll(/\b(?:describe|it)\(\s*[`'"]([^`'"]*)/g)].map((m) => m[1] ?? ''));
}

describe('the red-team case registry', () => {
  it('has a test titled with every case id', () => {
    const all = titles();
    expect(all.length).toBeGreaterThan(10);
    const untested = Object.keys(RED_TEAM_CASES).filter((id) => !all.some((title) => title.startsWith(id)));
    expect(untested).toEqual([]);
  });

  it('registers every case id the shipped code and the README name', () => {
    const texts = [...shippedModules().map((m) => readFileSync(path.join(REPO, m.file), 'utf8')), readFileSync(path.join(REPO, 'README.md'), 'utf8')];
    const named = new Set(texts.flatMap((text) => text.match(ID) ?? []));
    expect(named.size).toBeGreaterThan(2);
    expect([...named].filter((id) => !(id in RED_TEAM_CASES)).sort()).toEqual([]);
  });
});
