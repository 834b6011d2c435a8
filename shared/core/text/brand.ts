/**
 * The schema side of the sanitizer: every free text and id a pack carries is typed `SafeText` /
 * `SafeId`, a zod brand. Pure (zod only): pack schemas import it.
 *
 * The builders construct packs as the schemas' *output* types, so a string can only go into a pack
 * field after `Sanitizer` (shared/engine/sanitize.ts) branded it: a new text field added to a pack
 * schema as `SafeText` does not type-check until its value comes through the sanitizer, and one
 * added as a plain `z.string()` is caught by the schema test that walks every pack field
 * (test/shared/engine/sanitize/fields.test.ts). Parsing a pack (verify, load) re-checks what can be checked
 * without the workspace: no invisible or deceptive characters, the length bound.
 */
import { z } from 'zod';
import { isVisible } from './visible.js';

export type Sanitized = z.$brand<'Sanitized'>;
/** A string that went through the sanitizer. */
export type SafeString = string & Sanitized;

/** Free text in a pack, at most `max` code units, with nothing `makeVisible` would change. */
export function SafeText(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine(isVisible, { error: 'holds invisible, bidi or control characters (rule invisible-char); rebuild the pack with ctxpack assemble' })
    .brand<'Sanitized'>();
}

/**
 * Job, work-packet and micro-task ids: letters, digits and `._:-`, starting with a letter or digit,
 * at most 128. The charset has no space, quote, slash or markup character, so an id can never
 * carry a host path or close the data block; ids that look like secrets are refused at assembly.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const SafeId = z
  .string()
  .regex(ID_PATTERN, { error: 'must start with a letter or digit and use only letters, digits, ".", "_", ":" or "-" (max 128) (rule id-charset)' })
  .brand<'Sanitized'>();

/** Brands a value the caller has just sanitized or checked. Only shared/engine/sanitize.ts calls this. */
export function brand(text: string): SafeString {
  return text as SafeString;
}
