/**
 * The builder's identity, recorded in every pack. Bump BUILDER_VERSION whenever the same inputs would
 * give different pack bytes (a golden-hash test enforces that a change is deliberate).
 */
import { hashCanonical } from './hash.js';
import { REDACTOR_ID, REDACTOR_VERSION } from './redact/index.js';
import { VISIBILITY_RULES } from '../core/text/visible.js';
import { SYNOPSIS_MAX_CHARS } from '../core/schema/payload.js';
import { TOKENIZER } from './tokens.js';

// The id and version live in a module of their own (no imports), so the assembly memo's reuse path
// can key on them without loading the redactor, tokenizer and schemas this module pulls in.
import { BUILDER_ID, BUILDER_VERSION } from './builder-version.js';

export { BUILDER_ID, BUILDER_VERSION };

/** Everything besides the inputs that shapes pack bytes. */
export const BUILDER_CONFIG = {
  tokenizer: TOKENIZER,
  redactor: { id: REDACTOR_ID, version: REDACTOR_VERSION },
  synopsis_max_chars: SYNOPSIS_MAX_CHARS,
  host_path_placeholders: ['<home>', '<workspace>'],
  // What the sanitizer marks or folds (shared/core/text/visible.ts): changing the set changes bytes.
  visibility_rules: VISIBILITY_RULES,
} as const;

export function builderInfo(): { id: string; version: string; config_hash: `sha256:${string}` } {
  return { id: BUILDER_ID, version: BUILDER_VERSION, config_hash: hashCanonical(BUILDER_CONFIG) };
}
