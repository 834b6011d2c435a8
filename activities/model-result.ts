/**
 * The structured result of an invocation (#16), checked once, here, against the schema in the role
 * pack (never one an adapter or a model supplied): validated with Ajv, then redacted by the project's
 * sanitizer (prose mode: secrets become placeholders, host paths `<home>`/`<workspace>`, invisible
 * characters visible markers, strings cut to their schema's maxLength), validated again, and bounded
 * in size. What comes out is the only model-written content that enters workflow history.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { canonicalBytes } from '../shared/core/canonical.js';
import { ModelResultInvalid } from '../shared/core/errors.js';
import { sha256, type Sha256 } from '../shared/engine/hash.js';
import { Sanitizer } from '../shared/engine/sanitize.js';
import { keyName } from '../shared/core/schema/parse.js';
import { RESULT_LIMITS, type ResultSchema, type ResultSchemaNodeType } from '../shared/core/schema/result-schema.js';
import type { ResultCandidate } from './providers/model-provider.js';

/** A result that passed: the redacted value, its hash, and what redaction changed (counts by rule). */
export interface CheckedResult {
  readonly result: unknown;
  readonly result_hash: Sha256;
  readonly redactions: Readonly<Record<string, number>>;
}

// `strict` refuses keywords Ajv does not know: the pack schema is the project's subset, so nothing
// there can be silently ignored. Compiled validators are kept per schema (few roles, many calls).
const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();
const COMPILED_LIMIT = 256;

function validatorFor(schema: ResultSchema): ValidateFunction {
  const key = new TextDecoder().decode(canonicalBytes(schema));
  let validate = compiled.get(key);
  if (!validate) {
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** `findings[0].line` from Ajv's `/findings/0/line`. Segments are the schema's own names (objects are closed). */
function fieldOf(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? keyName(part) : `.${keyName(part)}`;
  return out === '' ? '(root)' : out;
}

/**
 * One problem per Ajv error. Ajv's messages are built from the schema (limits, types, allowed
 * values), never from the data, and the one data-derived name (an extra property) is not shown.
 */
function problemOf(error: ErrorObject): string {
  if (error.keyword === 'required') return `${fieldOf(error.instancePath, String(error.params['missingProperty']))}: is missing`;
  if (error.keyword === 'additionalProperties') return `${fieldOf(error.instancePath)}: has a field the schema does not declare (name not shown)`;
  return `${fieldOf(error.instancePath)}: ${error.message ?? error.keyword}`;
}

function validate(schema: ResultSchema, value: unknown): string[] {
  const check = validatorFor(schema);
  if (check(value)) return [];
  return (check.errors ?? []).map(problemOf);
}

/** The result with every string sanitized in prose mode, each cut to its node's maxLength. */
async function redact(node: ResultSchemaNodeType, value: unknown, sanitizer: Sanitizer): Promise<unknown> {
  if (node.type === 'string' && typeof value === 'string') {
    return sanitizer.prose(value, { sourceId: 'result', max: node.maxLength ?? RESULT_LIMITS.maxLength });
  }
  if (node.type === 'array' && Array.isArray(value)) return Promise.all(value.map((item) => redact(node.items, item, sanitizer)));
  if (node.type === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      const child = Object.hasOwn(node.properties, name) ? node.properties[name] : undefined;
      if (child) out[name] = await redact(child, item, sanitizer);
    }
    return out;
  }
  return value;
}

function invalid(role: string, problems: readonly string[], responseHash: string): ModelResultInvalid {
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
  return new ModelResultInvalid(
    `the model's result does not satisfy role "${role}"'s result schema: ${shown.join('; ')}${more}; the whole answer is stored as ${responseHash}`,
    'escalate to another model or fix the role\'s prompt; the stored answer shows what the model said (it is not retried: the same input tends to give the same answer)',
    { role, problems: shown, response_hash: responseHash },
  );
}

/**
 * Checks `candidate` against `schema`.
 *
 * @throws ModelResultInvalid when there is no result, it breaks the schema (before or after
 * redaction), or its canonical JSON exceeds {@link RESULT_LIMITS.bytes}.
 */
export async function checkModelResult(
  schema: ResultSchema,
  candidate: ResultCandidate | undefined,
  context: { readonly role: string; readonly responseHash: string; readonly workspaceRoot?: string | undefined },
): Promise<CheckedResult> {
  const fail = (problems: readonly string[]) => invalid(context.role, problems, context.responseHash);
  if (!candidate || !('value' in candidate)) throw fail([`(root): no result in the answer (${candidate?.problem ?? 'the provider returned none'})`]);
  const size = (value: unknown) => canonicalBytes(value).length;
  let bytes: number;
  try {
    bytes = size(candidate.value);
  } catch {
    throw fail(['(root): is not plain JSON (non-finite number or invalid text)']);
  }
  if (bytes > RESULT_LIMITS.bytes) throw fail([`(root): is ${bytes} bytes, over the ${RESULT_LIMITS.bytes} a result may take`]);
  const before = validate(schema, candidate.value);
  if (before.length > 0) throw fail(before);

  // No workspace on this worker: host paths under the home directory are still rewritten.
  const sanitizer = new Sanitizer(context.workspaceRoot ?? '');
  const result = await redact(schema, candidate.value, sanitizer);
  const after = validate(schema, result);
  if (after.length > 0) throw fail(after.map((problem) => `${problem} (after redaction)`));
  const redactedBytes = size(result);
  if (redactedBytes > RESULT_LIMITS.bytes) throw fail([`(root): is ${redactedBytes} bytes after redaction, over the ${RESULT_LIMITS.bytes} a result may take`]);
  const redactions: Record<string, number> = {};
  for (const entry of sanitizer.entries()) redactions[entry.rule] = (redactions[entry.rule] ?? 0) + entry.count;
  return { result, result_hash: sha256(canonicalBytes(result)), redactions };
}
