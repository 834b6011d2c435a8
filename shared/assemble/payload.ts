/**
 * Builds the context payload of a work-unit pack from its context sources: extracts items, redacts
 * secrets and host paths, merges duplicates, checks provenance and trims to the token budget.
 *
 * Budget priority (kept first): synopsis and hard constraints (never cut: if they do not fit, the
 * build fails), then soft constraints, facts, open loops, anchors. Cutting starts from the end of that
 * list, and within one kind from the item authored last (later source, then later line). Every cut
 * item is listed in `coverage.skipped` with reason `budget`.
 */
import { homedir } from 'node:os';
import { canonicalJson } from '../canonical.js';
import { ContextPackProvenanceMissing, PackBudgetExceeded } from '../errors.js';
import { sha256, sha256Hex } from '../hash.js';
import { assertWorkspacePath, rewriteHostPaths } from '../paths.js';
import { redactSecrets } from '../redact/index.js';
import { ContextItemsFile } from '../schema/context-items.js';
import { toSortedSet, type GovernanceMode, type Source } from '../schema/common.js';
import { parseOrThrow } from '../schema/parse.js';
import {
  SYNOPSIS_MAX_CHARS,
  anchorKey,
  sourceRefKey,
  type Anchor,
  type ContextPayload,
  type Skipped,
  type SourceRef,
} from '../schema/payload.js';
import type { RedactionEntry } from '../schema/work-unit-pack.js';
import type { WorkUnitDefinition } from '../schema/work-unit.js';
import { countTokens } from '../tokens.js';
import type { Workspace } from '../workspace-fs.js';
import { hashFileCached } from './hash-cache.js';
import { decodeUtf8, parseStructured } from './inputs.js';
import { parseNotes } from './notes.js';

type ItemKind = 'fact' | 'constraint' | 'loop';

interface DraftItem {
  kind: ItemKind;
  text: string;
  refs: SourceRef[];
  strength: 'hard' | 'soft';
  localOnly: boolean;
  /** Authored position, for cutting the last-authored first. */
  rank: number;
}

export interface PayloadBuild {
  readonly payload: ContextPayload;
  readonly tokensUsed: number;
  readonly redactions: RedactionEntry[];
  /** Context sources and every file an item or anchor points at. */
  readonly sources: Source[];
}

export interface PayloadOptions {
  readonly governance: GovernanceMode;
  readonly payloadTokens: number;
}

class Cleaner {
  readonly counts = new Map<string, number>();
  private readonly hosts: { workspaceRoot: string; home: string };

  constructor(workspaceRoot: string) {
    this.hosts = { workspaceRoot, home: homedir() };
  }

  /** Redacts secrets, then host paths; counts per source and rule, never keeping a value. */
  async clean(text: string, sourceId: string): Promise<string> {
    const redacted = await redactSecrets(text);
    for (const finding of redacted.findings) this.add(sourceId, finding.rule, finding.count);
    const rewritten = rewriteHostPaths(redacted.text, this.hosts);
    if (rewritten.count > 0) this.add(sourceId, 'host-path', rewritten.count);
    return rewritten.text;
  }

  entries(): RedactionEntry[] {
    return [...this.counts.entries()]
      .map(([key, count]) => {
        const [source_id = '', rule = ''] = key.split('\u0000');
        return { source_id, rule, count };
      })
      .sort((a, b) => (`${a.source_id}\u0000${a.rule}` < `${b.source_id}\u0000${b.rule}` ? -1 : 1));
  }

  private add(sourceId: string, rule: string, count: number): void {
    const key = `${sourceId}\u0000${rule}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }
}

export async function buildPayload(
  workspace: Workspace,
  unit: WorkUnitDefinition,
  options: PayloadOptions,
): Promise<PayloadBuild> {
  const cleaner = new Cleaner(workspace.root);
  const sources = new Map<string, Source>();
  const scanned: string[] = [];
  const skipped: Skipped[] = [];
  const drafts: DraftItem[] = [];
  const anchorDrafts: { path: string; startLine?: number; endLine?: number; label: string; field: string; sourceId: string }[] = [];
  let synopsis: { text: string; sourceId: string } | undefined;
  let rank = 0;

  const fileSource = async (path: string, field: string): Promise<string> => {
    const sourceId = `file:${path}`;
    if (!sources.has(sourceId)) {
      const { sha256: hash } = await hashFileCached(workspace, path, field);
      sources.set(sourceId, { source_id: sourceId, source_hash: hash });
    }
    return sourceId;
  };

  for (const [index, input] of unit.context_sources.entries()) {
    const field = `work_unit.context_sources[${index}]`;
    const bytes = await workspace.readBytes(input.path, `${field}.path`);
    const sourceId = `context:${input.path}`;
    sources.set(sourceId, { source_id: sourceId, source_hash: sha256(bytes) });
    scanned.push(sourceId);
    const text = decodeUtf8(bytes, input.path);

    if (input.kind === 'notes') {
      const notes = parseNotes(text);
      if (notes.synopsis && !synopsis) synopsis = { text: notes.synopsis, sourceId };
      for (const item of notes.items) {
        drafts.push({
          kind: item.section === 'facts' ? 'fact' : item.section === 'constraints' ? 'constraint' : 'loop',
          text: await cleaner.clean(item.text, sourceId),
          refs: [{ source_id: sourceId, line: item.line }],
          strength: item.strength,
          localOnly: item.localOnly,
          rank: rank++,
        });
      }
      for (const anchor of notes.anchors) {
        anchorDrafts.push({ ...anchor, field: `${input.path}:${anchor.line}`, sourceId });
      }
      continue;
    }

    const items = parseOrThrow(ContextItemsFile, parseStructured(text, input.path), input.path, input.path);
    if (items.synopsis && !synopsis) synopsis = { text: items.synopsis, sourceId };
    const groups: [ItemKind, string, typeof items.facts][] = [
      ['fact', 'facts', items.facts],
      ['constraint', 'constraints', items.constraints],
      ['loop', 'open_loops', items.open_loops],
    ];
    for (const [kind, key, list] of groups) {
      for (const [itemIndex, item] of list.entries()) {
        const itemField = `${input.path}.${key}[${itemIndex}]`;
        if (item.source_refs.length === 0) {
          if (options.governance === 'strict') {
            throw new ContextPackProvenanceMissing(
              `${itemField} has no source_refs, and governance mode strict requires provenance for every item`,
              `add source_refs (workspace path and line) to ${itemField}, or remove the item`,
              { field: itemField },
            );
          }
          skipped.push({ ref: `${sourceId}#${key}[${itemIndex}]`, reason: 'provenance-missing' });
          continue;
        }
        const refs: SourceRef[] = [];
        for (const [refIndex, citation] of item.source_refs.entries()) {
          const refId = await fileSource(citation.path, `${itemField}.source_refs[${refIndex}].path`);
          refs.push(citation.line !== undefined ? { source_id: refId, line: citation.line } : { source_id: refId });
        }
        drafts.push({
          kind,
          text: await cleaner.clean(item.text, sourceId),
          refs,
          strength: 'strength' in item && item.strength === 'soft' ? 'soft' : 'hard',
          localOnly: item.local_only,
          rank: rank++,
        });
      }
    }
    for (const anchor of items.anchors) {
      anchorDrafts.push({
        path: anchor.path,
        ...(anchor.start_line !== undefined ? { startLine: anchor.start_line } : {}),
        ...(anchor.end_line !== undefined ? { endLine: anchor.end_line } : {}),
        label: anchor.label,
        field: `${input.path}.anchors`,
        sourceId,
      });
    }
  }

  const anchors: (Anchor & { rank: number })[] = [];
  for (const draft of anchorDrafts) {
    assertWorkspacePath(draft.path, `${draft.field} anchor`);
    if (!(await workspace.exists(draft.path))) {
      skipped.push({ ref: `anchor:${draft.path}`, reason: 'unreadable' });
      continue;
    }
    const fileId = await fileSource(draft.path, `${draft.field} anchor`);
    anchors.push({
      path: draft.path,
      sha256: (sources.get(fileId) as Source).source_hash,
      ...(draft.startLine !== undefined ? { start_line: draft.startLine } : {}),
      ...(draft.endLine !== undefined ? { end_line: draft.endLine } : {}),
      label: await cleaner.clean(draft.label, draft.sourceId),
      rank: rank++,
    });
  }

  let synopsisText = synopsis ? await cleaner.clean(synopsis.text, synopsis.sourceId) : '';
  if ([...synopsisText].length > SYNOPSIS_MAX_CHARS) {
    synopsisText = [...synopsisText].slice(0, SYNOPSIS_MAX_CHARS - 1).join('') + '…';
    skipped.push({ ref: synopsis?.sourceId ?? 'synopsis', reason: 'synopsis-truncated' });
  }

  const merged = mergeItems(drafts);
  const trimmed = trimToBudget(
    synopsisText,
    merged,
    toSortedSet(anchors, anchorKey),
    scanned,
    skipped,
    options.payloadTokens,
  );
  return {
    payload: trimmed.payload,
    tokensUsed: trimmed.tokens,
    redactions: cleaner.entries(),
    sources: toSortedSet(sources.values(), (s) => s.source_id),
  };
}

/** A draft with its content-hash id, after duplicates were merged. */
interface MergedItem extends DraftItem {
  id: string;
}

/** One item per (kind, text): refs are united, hard beats soft, local-only is sticky, rank is the first. */
function mergeItems(drafts: readonly DraftItem[]): MergedItem[] {
  const byId = new Map<string, MergedItem>();
  for (const draft of drafts) {
    const id = `${draft.kind}-${sha256Hex(`${draft.kind}\u0000${draft.text}`).slice(0, 16)}`;
    const existing = byId.get(id);
    if (!existing) {
      byId.set(id, { id, ...draft, refs: [...draft.refs] });
      continue;
    }
    existing.refs.push(...draft.refs);
    if (draft.strength === 'hard') existing.strength = 'hard';
    existing.localOnly ||= draft.localOnly;
  }
  return [...byId.values()].map((item) => ({ ...item, refs: toSortedSet(item.refs, sourceRefKey) }));
}

function toPayload(
  synopsis: string,
  items: readonly MergedItem[],
  anchors: readonly (Anchor & { rank: number })[],
  scanned: readonly string[],
  skipped: readonly Skipped[],
): ContextPayload {
  const shape = (item: MergedItem) => ({
    id: item.id,
    text: item.text,
    source_refs: item.refs,
    ...(item.localOnly ? { local_only: true as const } : {}),
  });
  const ofKind = (kind: ItemKind) => toSortedSet(items.filter((item) => item.kind === kind), (item) => item.id);
  return {
    synopsis,
    facts: ofKind('fact').map(shape),
    constraints: ofKind('constraint').map((item) => ({ ...shape(item), strength: item.strength })),
    open_loops: ofKind('loop').map(shape),
    anchors: anchors.map(({ rank: _rank, ...anchor }) => anchor),
    coverage: {
      scanned: [...new Set(scanned)].sort(),
      skipped: toSortedSet(skipped, (s) => `${s.ref}\u0000${s.reason}`),
    },
  };
}

function trimToBudget(
  synopsis: string,
  items: MergedItem[],
  anchors: (Anchor & { rank: number })[],
  scanned: readonly string[],
  skipped: Skipped[],
  budget: number,
): { payload: ContextPayload; tokens: number } {
  const measure = (payload: ContextPayload) => countTokens(canonicalJson(payload));
  let payload = toPayload(synopsis, items, anchors, scanned, skipped);
  let tokens = measure(payload);
  if (tokens <= budget) return { payload, tokens };

  // Removal order: anchors, open loops, facts, soft constraints; last-authored first within each.
  const byRankDesc = <T extends { rank: number }>(list: T[]) => [...list].sort((a, b) => b.rank - a.rank);
  const removable: ({ type: 'anchor'; anchor: Anchor & { rank: number } } | { type: 'item'; item: MergedItem })[] = [
    ...byRankDesc(anchors).map((anchor) => ({ type: 'anchor' as const, anchor })),
    ...(['loop', 'fact'] as const).flatMap((kind) =>
      byRankDesc(items.filter((item) => item.kind === kind)).map((item) => ({ type: 'item' as const, item })),
    ),
    ...byRankDesc(items.filter((item) => item.kind === 'constraint' && item.strength === 'soft')).map((item) => ({
      type: 'item' as const,
      item,
    })),
  ];

  // Estimate per-item cost to cut in one pass, then confirm with exact counts (a few extra rounds at most).
  const cost = (entry: (typeof removable)[number]) =>
    countTokens(canonicalJson(entry.type === 'anchor' ? entry.anchor : entry.item)) + 4;
  let estimate = tokens;
  let cut = 0;
  while (cut < removable.length && estimate > budget) {
    estimate -= cost(removable[cut] as (typeof removable)[number]);
    cut += 1;
  }
  for (;;) {
    const gone = removable.slice(0, cut);
    const goneItems = new Set(gone.flatMap((entry) => (entry.type === 'item' ? [entry.item.id] : [])));
    const goneAnchors = new Set(gone.flatMap((entry) => (entry.type === 'anchor' ? [entry.anchor] : [])));
    const cuts: Skipped[] = gone.map((entry) => ({
      ref: entry.type === 'item' ? entry.item.id : `anchor:${entry.anchor.path}:${entry.anchor.start_line ?? 0}`,
      reason: 'budget' as const,
    }));
    payload = toPayload(
      synopsis,
      items.filter((item) => !goneItems.has(item.id)),
      anchors.filter((anchor) => !goneAnchors.has(anchor)),
      scanned,
      [...skipped, ...cuts],
    );
    tokens = measure(payload);
    if (tokens <= budget) return { payload, tokens };
    if (cut >= removable.length) {
      throw new PackBudgetExceeded(
        `the payload's synopsis and hard constraints alone take ${tokens} tokens, over the role's payload budget (${budget})`,
        'raise budgets.payload_tokens in the role definition, or shorten the synopsis and hard constraints',
        { used: tokens, limit: budget },
      );
    }
    cut += 1;
  }
}
