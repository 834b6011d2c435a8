/**
 * What changed between two packs, field by field. Set-like arrays are compared by their sort key
 * (rules, tools and globs by value; files by path; payload items by id; codex by name), so a
 * reordering never shows up as a change and an edit shows as one entry.
 */
import { canonicalJson } from './canonical.js';

/** One difference between two packs: the field path and both values. */
export interface PackDiffEntry {
  /** e.g. `lock_set.write`, `payload.facts[fact-0123456789abcdef]`, `required_files[src/a.ts].sha256` */
  readonly field: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

const KEY_FIELDS = ['id', 'source_id', 'path', 'name'] as const;

/** What changed between two packs, field by field. */
export function diffPacks(before: unknown, after: unknown): PackDiffEntry[] {
  const out: PackDiffEntry[] = [];
  walk(before, after, '', out);
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function keyFieldOf(values: readonly unknown[]): (typeof KEY_FIELDS)[number] | undefined {
  if (values.length === 0 || !values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
    return undefined;
  }
  return KEY_FIELDS.find((field) => values.every((v) => typeof (v as Record<string, unknown>)[field] === 'string'));
}

function walk(a: unknown, b: unknown, path: string, out: PackDiffEntry[]): void {
  if (same(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      if (!(key in b)) out.push({ field: join(path, key), change: 'removed', before: a[key] });
      else if (!(key in a)) out.push({ field: join(path, key), change: 'added', after: b[key] });
      else walk(a[key], b[key], join(path, key), out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyField = keyFieldOf([...a, ...b]);
    if (keyField) {
      const index = (list: unknown[]) => new Map(list.map((v) => [(v as Record<string, string>)[keyField] as string, v]));
      const left = index(a);
      const right = index(b);
      for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
        const field = `${path}[${key}]`;
        if (!right.has(key)) out.push({ field, change: 'removed', before: left.get(key) });
        else if (!left.has(key)) out.push({ field, change: 'added', after: right.get(key) });
        else walk(left.get(key), right.get(key), field, out);
      }
      return;
    }
    if ([...a, ...b].every((v) => typeof v === 'string')) {
      const left = new Set(a as string[]);
      const right = new Set(b as string[]);
      const reported = out.length;
      for (const value of a as string[]) if (!right.has(value)) out.push({ field: path, change: 'removed', before: value });
      for (const value of b as string[]) if (!left.has(value)) out.push({ field: path, change: 'added', after: value });
      // Same members in another order: for ordered lists (strict rules) the order is the meaning.
      if (out.length === reported) out.push({ field: path, change: 'changed', before: a, after: b });
      return;
    }
  }
  out.push({ field: path === '' ? '(root)' : path, change: 'changed', before: a, after: b });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
