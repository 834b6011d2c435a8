/**
 * Parsing with errors people can act on: every problem names its field path the way a user writes it
 * (`roles.coder.lock_set.write[2]`), what is wrong, and the fix.
 */
import type { z } from 'zod';
import { PackSchemaInvalid } from '../errors.js';

/** `lock_set.write[2]` from zod's path array, prefixed by `root` when given. */
export function fieldPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? keyName(String(part)) : `.${keyName(String(part))}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * A key as it may appear in a message: field names and record keys are authored data too (a key
 * could be a token or a host path), so one that is not a plain name is shown as `<key>`.
 */
export function keyName(key: string): string {
  return /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/.test(key) ? key : '<key>';
}

/**
 * Parses `value` with `schema`; on failure throws PackSchemaInvalid listing each issue as
 * `<field>: <problem>`. `root` prefixes field paths (e.g. `roles.coder`); `what` names the input.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string, root = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 20).map((issue) => {
    const field = fieldPath(root, issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(keyName(k))).join(', ')}`;
    }
    return `${field}: ${issue.message}`;
  });
  const more = result.error.issues.length > 20 ? ` (and ${result.error.issues.length - 20} more)` : '';
  throw new PackSchemaInvalid(
    `${what} is invalid: ${problems.join('; ')}${more}`,
    `correct the field${problems.length > 1 ? 's' : ''} named above (unknown fields are rejected: check spelling against \`ctxpack schema\`)`,
    { fields: result.error.issues.map((issue) => fieldPath(root, issue.path)) },
  );
}
