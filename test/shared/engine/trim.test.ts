/** Trimming (#14): scales, keeps budget cuts out of the budget, and words the hard-part failure right. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblePacks } from '../../../shared/engine/assemble/index.js';
import { measurePayload, toPayload, trimToBudget } from '../../../shared/engine/assemble/trim.js';
import { PackBudgetExceeded } from '../../../shared/core/errors.js';
import { brand } from '../../../shared/core/text/brand.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { trimItems } from '../../../bench/targets/trim-scale.js';
import { copyExampleWorkspace, WORK_UNIT } from '../../support/workspace.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(path.dirname(dir), { recursive: true, force: true, maxRetries: 5 });
});

async function notesWith(label: string, bullets: number, synopsis = 'One.'): Promise<string> {
  const dir = await copyExampleWorkspace(label);
  made.push(dir);
  const facts = Array.from({ length: bullets }, (_, i) => `- Fact number ${i} says the parser keeps key ${i} in order.`);
  await writeFile(path.join(dir, 'docs/notes/wp-7.md'), ['# Synopsis', synopsis, '', '## Facts', ...facts, ''].join('\n'));
  return dir;
}

describe('trimming to the payload budget', () => {
  it('fits 200 bullets under the default budget, listing the cut ones outside the budget', async () => {
    const dir = await notesWith('trim-200', 200);
    const { workUnit } = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT });
    const { payload, budgets } = workUnit.pack;
    expect(budgets.payload_tokens.used).toBeLessThanOrEqual(budgets.payload_tokens.limit);
    expect(budgets.payload_tokens.used).toBe(measurePayload(payload));
    const cut = payload.coverage.skipped.filter((s) => s.reason === 'budget');
    expect(cut.length).toBeGreaterThan(50);
    expect(payload.facts.length + cut.length).toBeGreaterThanOrEqual(200);
    // The cut list alone is larger than the budget: it cannot have been counted.
    expect(JSON.stringify(cut).length / 4).toBeGreaterThan(budgets.payload_tokens.limit / 2);
  });

  it('keeps the most it can: putting back the last item cut makes it too big', () => {
    const items = trimItems(2_000);
    const scanned = ['context:docs/notes/big.md'];
    const { payload, tokens } = trimToBudget(brand('S.'), items, [], scanned, [], 3000);
    expect(tokens).toBeLessThanOrEqual(3000);
    const kept = new Set([...payload.facts, ...payload.constraints, ...payload.open_loops].map((i) => i.id));
    const cut = new Set<string>(payload.coverage.skipped.filter((s) => s.reason === 'budget').map((s) => s.ref));
    expect(kept.size + cut.size).toBe(items.length);
    // Removal order: open loops, facts, soft constraints, each last-authored first. The last one cut
    // is the earliest-authored item of the latest kind that was cut at all.
    const order = ['loop', 'fact', 'constraint'] as const;
    const cutItems = items.filter((item) => cut.has(item.id));
    const lastKind = order.filter((kind) => cutItems.some((item) => item.kind === kind)).at(-1);
    const restore = cutItems.filter((item) => item.kind === lastKind).sort((a, b) => a.rank - b.rank)[0];
    expect(restore).toBeDefined();
    const withIt = toPayload(
      brand('S.'),
      items.filter((item) => kept.has(item.id) || item.id === restore?.id),
      [],
      scanned,
      payload.coverage.skipped.filter((s) => s.ref !== restore?.id),
    );
    expect(measurePayload(withIt)).toBeGreaterThan(3000);
  });

  it('says what the hard part takes when it alone does not fit', async () => {
    const dir = await notesWith('trim-hard', 0, 'word '.repeat(150).trim());
    const role = path.join(dir, '.ctxpack/roles/coder.yaml');
    await writeFile(role, (await readFile(role, 'utf8')).replace('payload_tokens: 3000', 'payload_tokens: 100'));
    const error = await assemblePacks(await Workspace.open(dir), 'coder', { path: WORK_UNIT }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackBudgetExceeded);
    const { used, limit } = (error as PackBudgetExceeded).details as { used: number; limit: number };
    expect(limit).toBe(100);
    // The synopsis is 150 words; with the hard constraints and coverage it is a little more, never a multiple.
    expect(used).toBeGreaterThan(150);
    expect(used).toBeLessThan(400);
  });
});
