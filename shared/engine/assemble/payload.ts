/**
 * Builds the context payload of a work-unit pack from its context sources: extracts items, redacts
 * secrets and host paths, merges duplicates, checks provenance and trims to the token budget.
 *
 * Budget priority (kept first): synopsis and hard constraints (never cut: if they do not fit, the
 * build fails), then soft constraints, facts, open loops, anchors. Cutting starts from the end of that
 * list, and within one kind from the item authored last (later source, then later line). Every cut
 * item is listed in `coverage.skipped` with reason `budget`.
 */
import { ContextPackProvenanceMissing } from '../../core/errors.js';
import { sha256, sha256Hex } from '../hash.js';
import { assertWorkspacePath } from '../../core/paths.js';
import { brand } from '../../core/text/brand.js';
import type { Sanitizer } from '../sanitize.js';
import { ContextItemsFile } from '../../core/schema/context-items.js';
import { toSortedSet, type GovernanceMode, type Source } from '../../core/schema/common.js';
import { parseOrThrow } from '../../core/schema/parse.js';
import {
  ITEM_MAX_CHARS,
  LABEL_MAX_CHARS,
  SYNOPSIS_MAX_CHARS,
  anchorKey,
  sourceRefKey,
  type ContextPayload,
  type Skipped,
  type SourceRef,
} from '../../core/schema/payload.js';
import type { WorkUnitDefinition } from '../../core/schema/work-unit.js';
import type { Workspace } from '../workspace-fs.js';
import { hashFileCached } from './hash-cache/index.js';
import { CTXPACK_DIR, decodeUtf8, parseStructured } from './inputs.js';
import { parseNotes } from './notes.js';
import { trimToBudget, type ItemKind, type MergedItem, type RankedAnchor } from './trim.js';

/** An item before duplicates are merged: a {@link MergedItem} without its content-hash id. */
type DraftItem = Omit<MergedItem, 'id'>;

export interface PayloadBuild {
  readonly payload: ContextPayload;
  readonly tokensUsed: number;
  /** Context sources and every file an item or anchor points at. */
  readonly sources: Source[];
}

export interface PayloadOptions {
  readonly governance: GovernanceMode;
  readonly payloadTokens: number;
  /** The sanitizer of the whole pack: its report becomes the pack's `redactions`. */
  readonly sanitizer: Sanitizer;
  /**
   * Refuses a path the role may not read (its deny list); called for every context source outside
   * `.ctxpack/`. That folder holds the builder's own authored inputs, which roles commonly deny so
   * a model cannot rewrite its own context; the builder reads them on the role's behalf.
   */
  readonly checkReadable: (path: string, field: string) => void;
}

export async function buildPayload(
  workspace: Workspace,
  unit: WorkUnitDefinition,
  options: PayloadOptions,
): Promise<PayloadBuild> {
  const cleaner = options.sanitizer;
  const prose = (text: string, sourceId: string, max: number) => cleaner.prose(text, { sourceId, max });
  const sources = new Map<string, Source>();
  const scanned: string[] = [];
  const skipped: Skipped[] = [];
  const drafts: DraftItem[] = [];
  // `position` names an anchor by where it was written, not by its path: a skipped anchor's path is
  // free text (a notes bullet's first word) and never goes into the pack.
  const anchorDrafts: {
    path: string;
    startLine?: number;
    endLine?: number;
    label: string;
    field: string;
    sourceId: string;
    position: string;
  }[] = [];
  let synopsis: { text: string; sourceId: string } | undefined;
  let rank = 0;

  const fileSource = async (path: string, field: string): Promise<string> => {
    const sourceId = `file:${path}`;
    if (!sources.has(sourceId)) {
      const { sha256: hash } = await hashFileCached(workspace, path, field);
      sources.set(sourceId, { source_hash: hash, source_id: sourceId });
    }
    return sourceId;
  };

  for (const [index, input] of unit.context_sources.entries()) {
    const field = `work_unit.context_sources[${index}]`;
    if (!input.path.startsWith(`${CTXPACK_DIR}/`)) options.checkReadable(input.path, `${field}.path`);
    const bytes = await workspace.readBytes(input.path, `${field}.path`);
    const sourceId = `context:${input.path}`;
    sources.set(sourceId, { source_hash: sha256(bytes), source_id: sourceId });
    scanned.push(sourceId);
    const text = decodeUtf8(bytes, input.path);

    if (input.kind === 'notes') {
      const notes = parseNotes(text);
      if (notes.synopsis && !synopsis) synopsis = { text: notes.synopsis, sourceId };
      for (const item of notes.items) {
        drafts.push({
          kind: item.section === 'facts' ? 'fact' : item.section === 'constraints' ? 'constraint' : 'loop',
          text: await prose(item.text, sourceId, ITEM_MAX_CHARS),
          refs: [{ source_id: sourceId, line: item.line }],
          strength: item.strength,
          localOnly: item.localOnly,
          rank: rank++,
        });
      }
      for (const anchor of notes.anchors) {
        anchorDrafts.push({ ...anchor, field: `${field} line ${anchor.line}`, sourceId, position: `${sourceId}#L${anchor.line}` });
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
          skipped.push({ ref: brand(`${sourceId}#${key}[${itemIndex}]`), reason: 'provenance-missing' });
          continue;
        }
        const refs: SourceRef[] = [];
        for (const [refIndex, citation] of item.source_refs.entries()) {
          const refId = await fileSource(citation.path, `${itemField}.source_refs[${refIndex}].path`);
          refs.push(citation.line !== undefined ? { source_id: refId, line: citation.line } : { source_id: refId });
        }
        drafts.push({
          kind,
          text: await prose(item.text, sourceId, ITEM_MAX_CHARS),
          refs,
          strength: 'strength' in item && item.strength === 'soft' ? 'soft' : 'hard',
          localOnly: item.local_only,
          rank: rank++,
        });
      }
    }
    for (const [anchorIndex, anchor] of items.anchors.entries()) {
      anchorDrafts.push({
        path: anchor.path,
        ...(anchor.start_line !== undefined ? { startLine: anchor.start_line } : {}),
        ...(anchor.end_line !== undefined ? { endLine: anchor.end_line } : {}),
        label: anchor.label,
        field: `${field} anchors[${anchorIndex}]`,
        sourceId,
        position: `${sourceId}#anchors[${anchorIndex}]`,
      });
    }
  }

  const anchors: RankedAnchor[] = [];
  for (const draft of anchorDrafts) {
    assertWorkspacePath(draft.path, `${draft.field} anchor`);
    // An anchor path that would not stay as written in the pack (a token, a host path, an invisible
    // character) or names no file is left out by its position.
    if ((await cleaner.exactProblem(draft.path)) !== undefined || !(await workspace.exists(draft.path))) {
      skipped.push({ ref: brand(`anchor:${draft.position}`), reason: 'unreadable' });
      continue;
    }
    const fileId = await fileSource(draft.path, `${draft.field} anchor`);
    anchors.push({
      path: draft.path,
      sha256: (sources.get(fileId) as Source).source_hash,
      ...(draft.startLine !== undefined ? { start_line: draft.startLine } : {}),
      ...(draft.endLine !== undefined ? { end_line: draft.endLine } : {}),
      label: await prose(draft.label, draft.sourceId, LABEL_MAX_CHARS),
      rank: rank++,
    });
  }

  let synopsisText = brand('');
  if (synopsis) {
    const clean = await prose(synopsis.text, synopsis.sourceId, Number.MAX_SAFE_INTEGER);
    synopsisText = clean;
    if ([...clean].length > SYNOPSIS_MAX_CHARS) {
      synopsisText = brand([...clean].slice(0, SYNOPSIS_MAX_CHARS - 1).join('') + '…');
      skipped.push({ ref: brand(synopsis.sourceId), reason: 'synopsis-truncated' });
    }
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
    sources: toSortedSet(sources.values(), (s) => s.source_id),
  };
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
