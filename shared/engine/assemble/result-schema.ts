/**
 * Resolves a role definition's `result:` block into the canonical JSON Schema its role pack carries
 * (`result_schema`): a preset expanded, every object closed, `required` and `enum` sorted (they are
 * sets), and every authored text (descriptions, enum values) checked in exact mode: the schema is
 * shown to every model and governs what a workflow acts on, so a secret, a host path or an invisible
 * character in it is refused rather than rewritten.
 */
import { brand, type Sanitizer } from '../sanitize.js';
import { compareCodeUnits } from '../../core/schema/common.js';
import { parseOrThrow } from '../../core/schema/parse.js';
import { ResultSchema, type ResultSchemaNodeType, type RoleResult } from '../../core/schema/result-schema.js';

/**
 * The presets, written as a role author would write them. `verdict`: a validator's pass/fail with
 * short findings (file, optional line, message); `plan`: the micro-task ids an orchestrator wants
 * run next, in order.
 */
const PRESETS: Readonly<Record<'verdict' | 'plan', unknown>> = {
  verdict: {
    type: 'object',
    properties: {
      verdict: { type: 'string', enum: ['pass', 'fail'], description: 'pass only when every verification command passes' },
      findings: {
        type: 'array',
        maxItems: 20,
        description: 'what is wrong (or worth a note), one short item each',
        items: {
          type: 'object',
          properties: {
            file: { type: 'string', minLength: 1, maxLength: 256, description: 'workspace-relative path' },
            line: { type: 'integer', minimum: 1, maximum: 10_000_000 },
            message: { type: 'string', minLength: 1, maxLength: 300 },
          },
          required: ['file', 'message'],
        },
      },
    },
    required: ['verdict', 'findings'],
  },
  plan: {
    type: 'object',
    properties: {
      next_micro_tasks: {
        type: 'array',
        maxItems: 50,
        description: 'ids of the micro-tasks to run next, in order',
        items: { type: 'string', minLength: 1, maxLength: 128 },
      },
    },
    required: ['next_micro_tasks'],
  },
};

/** The canonical form: objects closed, `required` always present, sets sorted. Pure. */
export function canonicalResultSchema(node: ResultSchemaNodeType): ResultSchemaNodeType {
  switch (node.type) {
    case 'object':
      return {
        ...node,
        properties: Object.fromEntries(Object.entries(node.properties).map(([name, child]) => [name, canonicalResultSchema(child)])),
        required: [...(node.required ?? [])].sort(compareCodeUnits),
        additionalProperties: false,
      };
    case 'array':
      return { ...node, items: canonicalResultSchema(node.items) };
    case 'string':
      return node.enum ? { ...node, enum: [...node.enum].sort(compareCodeUnits).map(brand) } : node;
    default:
      return node;
  }
}

/** Every authored text of a schema, with its field path. */
function texts(node: ResultSchemaNodeType, at: string, out: [string, string][]): [string, string][] {
  if (node.description !== undefined) out.push([`${at}.description`, node.description]);
  if (node.type === 'string') node.enum?.forEach((value, index) => out.push([`${at}.enum[${index}]`, value]));
  if (node.type === 'array') texts(node.items, `${at}.items`, out);
  if (node.type === 'object') for (const [name, child] of Object.entries(node.properties)) texts(child, `${at}.properties.${name}`, out);
  return out;
}

/** The role pack's `result_schema` for `result` (a role definition's block). */
export async function resolveRoleResult(result: RoleResult, sanitizer: Sanitizer, field: string, rolePath: string): Promise<ResultSchemaNodeType> {
  const { preset, schema } = result;
  // RoleResult guarantees exactly one of the two.
  const declared = preset !== undefined ? parseOrThrow(ResultSchema, PRESETS[preset], `result preset "${preset}"`) : (schema as ResultSchemaNodeType);
  const at = preset !== undefined ? `${field}.result.preset` : `${field}.result.schema`;
  for (const [path, text] of texts(declared, at, [])) {
    await sanitizer.exact(text, path, `remove it from the result schema in ${rolePath}; result schemas are sent to every model`);
  }
  return canonicalResultSchema(declared);
}
