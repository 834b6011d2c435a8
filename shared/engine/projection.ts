/**
 * RT-LEAK-001, cloud projection: before anything goes to a cloud provider, payload items marked
 * local-only are removed, and the final request is scanned for secrets again (a last line of defence
 * should a secret have slipped past assembly, e.g. in verification feedback). What was removed is
 * recorded as counts and item hashes, never content.
 */
import { canonicalBytes } from '../core/canonical.js';
import { sha256 } from './hash.js';
import { redactSecrets } from './redact/index.js';
import { renderPacks, type RenderedMessage, type Rendering, type RenderTarget } from './render.js';
import type { WorkUnitContextPack } from '../core/schema/work-unit-pack.js';
import type { RequestFit } from '../core/schema/providers.js';
import { fitFeedback } from './request-fit.js';

export interface Projection {
  /** Payload items removed because they are local-only: their ids (content hashes), sorted. */
  readonly removed_item_ids: string[];
  /** Counts of what was removed or redacted, by rule (`local-only`, or a secret rule id). */
  readonly counts: Record<string, number>;
}

/** The work-unit pack as a cloud provider may see it: local-only items removed. */
export function projectForCloud(pack: WorkUnitContextPack): { pack: WorkUnitContextPack; removed: string[] } {
  const removed: string[] = [];
  const keep = <T extends { id: string; local_only?: true | undefined }>(items: T[]): T[] =>
    items.filter((item) => {
      if (item.local_only) removed.push(item.id);
      return !item.local_only;
    });
  const payload = {
    ...pack.payload,
    facts: keep(pack.payload.facts),
    constraints: keep(pack.payload.constraints),
    open_loops: keep(pack.payload.open_loops),
  };
  return { pack: { ...pack, payload }, removed: removed.sort() };
}

/** Re-runs secret detection over the final messages, redacting anything found. */
export async function scrubMessages(messages: readonly RenderedMessage[]): Promise<{ messages: RenderedMessage[]; counts: Record<string, number> }> {
  const counts: Record<string, number> = {};
  const out: RenderedMessage[] = [];
  for (const message of messages) {
    const result = await redactSecrets(message.content);
    for (const finding of result.findings) counts[finding.rule] = (counts[finding.rule] ?? 0) + finding.count;
    out.push({ role: message.role, content: result.text });
  }
  return { messages: out, counts };
}

/**
 * What a provider at `location` receives for an invocation: the provider-neutral rendering, with the
 * cloud projection applied for cloud providers. One function, used by the invoke activity and by
 * `ctxpack replay --show`, so a replay reproduces exactly what was sent.
 */
export async function renderInvocation(
  requested: RenderTarget,
  location: 'local' | 'cloud',
  /** The model's RequestFit: feedback is cut to its reserve (see request-fit.ts). */
  fit?: RequestFit,
): Promise<{ rendering: Rendering; projection?: Projection }> {
  const target = fit && requested.feedback !== undefined ? { ...requested, feedback: fitFeedback(requested.feedback, fit) } : requested;
  if (location === 'local') return { rendering: renderPacks(target) };
  const projected = projectForCloud(target.workUnitPack);
  const draft = renderPacks({ ...target, workUnitPack: projected.pack });
  const scrubbed = await scrubMessages(draft.messages);
  const counts: Record<string, number> = { ...scrubbed.counts };
  if (projected.removed.length > 0) counts['local-only'] = projected.removed.length;
  const prefix = scrubbed.messages[0]?.content ?? '';
  return {
    rendering: { messages: scrubbed.messages, prefix_hash: sha256(prefix), render_hash: sha256(canonicalBytes(scrubbed.messages)) },
    projection: { removed_item_ids: projected.removed, counts },
  };
}
