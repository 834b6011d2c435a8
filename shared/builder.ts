/**
 * The builder's identity, recorded in every pack. Bump BUILDER_VERSION whenever the same inputs would
 * give different pack bytes (a golden-hash test enforces that a change is deliberate).
 */
import { hashCanonical } from './hash.js';
import { REDACTOR_ID, REDACTOR_VERSION } from './redact/index.js';
import { SYNOPSIS_MAX_CHARS } from './schema/payload.js';
import { TOKENIZER } from './tokens.js';

export const BUILDER_ID = 'context-packs';
export const BUILDER_VERSION = '1.3.0';

/** Everything besides the inputs that shapes pack bytes. */
export const BUILDER_CONFIG = {
  tokenizer: TOKENIZER,
  redactor: { id: REDACTOR_ID, version: REDACTOR_VERSION },
  synopsis_max_chars: SYNOPSIS_MAX_CHARS,
  host_path_placeholders: ['<home>', '<workspace>'],
} as const;

export function builderInfo(): { id: string; version: string; config_hash: `sha256:${string}` } {
  return { id: BUILDER_ID, version: BUILDER_VERSION, config_hash: hashCanonical(BUILDER_CONFIG) };
}
