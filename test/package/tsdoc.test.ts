/**
 * Every name the package exports carries TSDoc: what it is for (and, where it matters, its defaults
 * and failure modes). Read with the TypeScript checker from the two entry points, as an editor would.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../architecture/import-graph.js';

function undocumented(entry: string): { exported: number; missing: string[] } {
  const file = path.join(REPO, entry);
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} is not a module`);
  const exports = checker.getExportsOfModule(moduleSymbol);
  const missing = exports
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // A zod schema and its inferred type share a name: documenting either documents both.
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
    })
    .map((symbol) => symbol.getName())
    .sort();
  return { exported: exports.length, missing };
}

describe('the public surface is documented', () => {
  for (const entry of ['index.ts', 'workflow.ts']) {
    it(`every export of ${entry} has TSDoc`, () => {
      const { exported, missing } = undocumented(entry);
      expect(exported).toBeGreaterThan(10);
      expect(missing).toEqual([]);
    }, 120_000);
  }
});
