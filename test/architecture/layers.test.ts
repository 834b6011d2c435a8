/**
 * The layout is the architecture: these tests fail when an import climbs a layer, closes a cycle,
 * or brings Node into code the workflow sandbox loads. The layers, bottom up:
 *
 *   shared/core     workflow-safe pack core: schemas, canonical form, paths, restrictions, diff, errors
 *   shared/engine   the Node-side pack engine: hashing, assembly, stores, workspace fs, redaction, render
 *   workflows/      workflow code: imports only shared/core (and itself)
 *   activities/     the activities and provider adapters (core + engine)
 *   workers/        the plugin and ready-made workers
 *   cli/            the `ctxpack` commands and their operator tooling (Temporal CLI, dev server, tools)
 */
import { describe, expect, it } from 'vitest';
import { cycles, shippedModules, type ModuleNode } from './import-graph.js';

const LAYERS = ['shared/core/', 'shared/engine/', 'workflows/', 'activities/', 'workers/', 'cli/'] as const;
type Layer = (typeof LAYERS)[number] | 'entry';

function layerOf(file: string): Layer {
  const layer = LAYERS.find((prefix) => file.startsWith(prefix));
  if (layer) return layer;
  if (file === 'index.ts' || file === 'workflow.ts') return 'entry';
  throw new Error(`${file} is in no layer: put it under one of ${LAYERS.join(', ')}`);
}

/** What each layer may import, besides itself. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  'shared/core/': [],
  'shared/engine/': ['shared/core/'],
  'workflows/': ['shared/core/'],
  'activities/': ['shared/core/', 'shared/engine/'],
  'workers/': ['shared/core/', 'shared/engine/', 'activities/', 'workflows/'],
  'cli/': ['shared/core/', 'shared/engine/', 'activities/', 'workers/', 'workflows/'],
  entry: ['shared/core/', 'shared/engine/', 'activities/', 'workers/', 'workflows/', 'cli/'],
};

/** Packages the workflow sandbox can load: pure JavaScript, no Node built-ins. */
const SANDBOX_PACKAGES = ['zod', 'picomatch/posix.js', 'fast-json-stable-stringify', '@temporalio/common', '@temporalio/workflow'];

const modules = shippedModules();
const byFile = new Map(modules.map((m) => [m.file, m]));

function arrows(filter: (from: ModuleNode, to: string) => boolean): string[] {
  return modules.flatMap((m) => m.local.filter((to) => filter(m, to)).map((to) => `${m.file} -> ${to}`));
}

describe('layers', () => {
  it('finds the shipped modules it checks', () => {
    expect(modules.length).toBeGreaterThan(100);
    expect(byFile.has('shared/core/schema/role-pack.ts')).toBe(true);
  });

  it('every import resolves to a shipped module (nothing ships that imports test or bench code)', () => {
    expect(arrows((_, to) => !byFile.has(to))).toEqual([]);
  });

  it('no import climbs a layer', () => {
    const up = arrows((from, to) => {
      const a = layerOf(from.file);
      const b = layerOf(to);
      return a !== b && !MAY_IMPORT[a].includes(b);
    });
    expect(up).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(modules)).toEqual([]);
  });

  it('keeps Node out of workflow code and the workflow-safe core', () => {
    const sandboxed = modules.filter((m) => ['shared/core/', 'workflows/'].includes(layerOf(m.file)) || m.file === 'workflow.ts');
    const outside = sandboxed.flatMap((m) => m.packages.filter((p) => !SANDBOX_PACKAGES.includes(p)).map((p) => `${m.file} imports ${p}`));
    expect(outside).toEqual([]);
  });

  it('keeps every module under 400 lines', () => {
    const long = modules.filter((m) => m.lines > 400).map((m) => `${m.file}: ${m.lines} lines`);
    expect(long).toEqual([]);
  });
});
