/**
 * The production module graph, read with TypeScript's own pre-processor (no type-check, no
 * bundling): every import, re-export and dynamic import of every shipped source file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Source folders that ship in the package (test/, bench/ and examples/ do not). */
const SHIPPED_ROOTS = ['shared', 'workflows', 'activities', 'workers', 'cli'];
const SHIPPED_ENTRIES = ['index.ts', 'workflow.ts'];

export interface ModuleNode {
  /** Repo-relative POSIX path, e.g. `shared/core/paths.ts`. */
  readonly file: string;
  readonly lines: number;
  /** Repo-relative files this module imports (relative specifiers resolved). */
  readonly local: readonly string[];
  /** Bare specifiers: packages and `node:` built-ins. */
  readonly packages: readonly string[];
}

function walk(dir: string): string[] {
  return readdirSync(path.join(REPO, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(REPO, rel)).isDirectory()) return walk(rel);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

function resolveLocal(from: string, spec: string): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  // Sources import `./x.js` for `./x.ts` (NodeNext resolution).
  return joined.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts');
}

export function shippedModules(): ModuleNode[] {
  const files = [...SHIPPED_ROOTS.flatMap(walk), ...SHIPPED_ENTRIES];
  return files.map((file) => {
    const text = readFileSync(path.join(REPO, file), 'utf8');
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    return {
      file,
      lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
      local: specs.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file, s)),
      packages: specs.filter((s) => !s.startsWith('.')),
    };
  });
}

/** Strongly connected components with more than one module (or a self-import): the cycles. */
export function cycles(nodes: readonly ModuleNode[]): string[][] {
  const edges = new Map(nodes.map((n) => [n.file, n.local]));
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}
