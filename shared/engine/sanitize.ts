/**
 * The one sanitizer every text and id passes on its way into a pack (and from there into a
 * rendering). Two modes, chosen by what the field is, never by what the text looks like:
 *
 * - `prose` (titles, acceptance, notes and items text, labels, synopsis): invisible and deceptive
 *   characters made visible, secrets replaced by placeholders, host paths rewritten to
 *   `<workspace>` / `<home>`, length bounded; every change counted in the pack's redaction report.
 * - `exact` (ids, verification argv, strict rules): a value that is an identity or an instruction
 *   to run cannot be rewritten without changing what it means, so anything prose mode would change
 *   refuses the input instead, naming the field and the rule, never the value.
 *
 * The values it returns are branded (`SafeString`, see brand.ts): pack builders construct packs as
 * the schemas' output types, whose text fields only accept branded strings.
 */
import { homedir } from 'node:os';
import { PackSchemaInvalid } from '../core/errors.js';
import { rewriteHostPaths } from '../core/paths.js';
import { redactionPlaceholder, redactSecrets } from './redact/index.js';
import type { RedactionEntry } from '../core/schema/work-unit-pack.js';
import { brand, ID_PATTERN, type SafeString } from '../core/text/brand.js';
import { apparentText, boundLength, isVisible, makeVisible, visibilityRule } from '../core/text/visible.js';

export { brand, SafeId, SafeText, type SafeString } from '../core/text/brand.js';
export { apparentText, boundLength, isVisible, makeVisible, VISIBILITY_RULES } from '../core/text/visible.js';
export { scrubSync } from '../core/text/scrub.js';

/** Rule recorded when a value was cut to its field's length bound. */
export const LENGTH_RULE = 'length-bound';
/** Rule recorded for each host path rewritten. */
export const HOST_PATH_RULE = 'host-path';

export interface ProseOptions {
  /** The source id the redaction report files the changes under. */
  readonly sourceId: string;
  /** The field's length bound in the pack, in code points. */
  readonly max: number;
}

export class Sanitizer {
  private readonly counts = new Map<string, number>();
  private readonly hosts: { workspaceRoot: string; home: string };

  constructor(workspaceRoot: string) {
    this.hosts = { workspaceRoot, home: homedir() };
  }

  /** Prose mode (see the file comment). */
  async prose(text: string, options: ProseOptions): Promise<SafeString> {
    const visible = makeVisible(text);
    for (const [rule, count] of visible.counts) this.add(options.sourceId, rule, count);
    let redacted = await redactSecrets(visible.text);
    if (visible.counts.size > 0) {
      // A marker inside a secret splits it: detect on what a reader would take the text to say too,
      // and if that finds more, the whole value goes (no position map back through the markers).
      const apparent = await redactSecrets(apparentText(text));
      const total = (r: typeof redacted) => r.findings.reduce((sum, f) => sum + f.count, 0);
      if (total(apparent) > total(redacted)) {
        const rule = apparent.findings[0]?.rule ?? 'unclassified-secret';
        redacted = { text: redactionPlaceholder(rule), findings: [{ rule, count: 1 }] };
      }
    }
    for (const finding of redacted.findings) this.add(options.sourceId, finding.rule, finding.count);
    const rewritten = rewriteHostPaths(redacted.text, this.hosts);
    if (rewritten.count > 0) this.add(options.sourceId, HOST_PATH_RULE, rewritten.count);
    const bounded = boundLength(rewritten.text, options.max);
    if (bounded.cut) this.add(options.sourceId, LENGTH_RULE, 1);
    return brand(bounded.text);
  }

  /** Exact mode: returns `text` unchanged (branded) or throws PackSchemaInvalid naming `field` and the rule. */
  async exact(text: string, field: string, fix: string): Promise<SafeString> {
    const rule = await this.exactProblem(text);
    if (rule) refuse(field, rule, fix);
    return brand(text);
  }

  /** An id: the id charset, then exact mode. */
  async id(text: string, field: string): Promise<SafeString> {
    if (!ID_PATTERN.test(text)) refuse(field, 'id-charset', 'use only letters, digits, ".", "_", ":" or "-" (max 128)');
    return this.exact(text, field, `use an id that is not a credential: ids are shown to every model, in history and in the CLI`);
  }

  /** The rule prose mode would apply to `text`, or undefined when it would leave it as it is. */
  async exactProblem(text: string): Promise<string | undefined> {
    if (!isVisible(text)) {
      for (const char of text) {
        const rule = visibilityRule(char);
        if (rule) return rule;
      }
    }
    const secrets = await redactSecrets(text);
    if (secrets.findings[0]) return secrets.findings[0].rule;
    if (rewriteHostPaths(text, this.hosts).count > 0) return HOST_PATH_RULE;
    return undefined;
  }

  /** Everything changed so far, sorted by source id then rule: the pack's `redactions`. */
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

function refuse(field: string, rule: string, fix: string): never {
  throw new PackSchemaInvalid(`${field}: refused (rule ${rule}); the value is not shown`, fix, { field, rule });
}
