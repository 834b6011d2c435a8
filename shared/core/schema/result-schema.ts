/**
 * Structured results (#16): the JSON Schema a role may declare for the result a workflow acts on.
 * Pure (zod only): workflow code imports these.
 *
 * A result schema is a bounded, safe subset of JSON Schema (draft 2020-12), small enough that every
 * provider can be asked for it (OpenAI-style `response_format`, Anthropic tool input schemas,
 * llama.cpp's schema-to-grammar) and that a result is bounded before it is validated:
 *
 * | `type` | keywords |
 * | --- | --- |
 * | `object` | `properties` (names `[a-z_][a-z0-9_]*`, at most 32), `required`, `additionalProperties: false` |
 * | `array` | `items` (one schema), `maxItems` (required, <= 100), `minItems` |
 * | `string` | `maxLength` (required unless `enum`, <= 4000), `minLength`, `enum` (<= 50 values) |
 * | `number`, `integer` | `minimum`, `maximum` |
 * | `boolean` | |
 *
 * Every node may carry a `description` (<= 300 characters). The root is an object; objects are
 * always closed (`additionalProperties: false`: a result has only the fields its role declared, so
 * field paths in error messages are the schema's own names, never the model's); at most 5 levels and
 * 64 nodes. Anything else (`pattern`, `format`, `$ref`, `oneOf`, `const`...) is refused naming the
 * field and the keyword: patterns and formats are for the workflow to check, on the validated result.
 */
import { z } from 'zod';
import { SafeText } from '../text/brand.js';

/** The bounds of a result schema and of a result. */
export const RESULT_LIMITS = {
  depth: 5,
  nodes: 64,
  properties: 32,
  maxLength: 4000,
  maxItems: 100,
  enumValues: 50,
  /** A result's canonical JSON, in bytes: it is the only model-written content that enters history. */
  bytes: 16_384,
} as const;

const PROPERTY_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  object: ['type', 'description', 'properties', 'required', 'additionalProperties'],
  array: ['type', 'description', 'items', 'minItems', 'maxItems'],
  string: ['type', 'description', 'enum', 'minLength', 'maxLength'],
  number: ['type', 'description', 'minimum', 'maximum'],
  integer: ['type', 'description', 'minimum', 'maximum'],
  boolean: ['type', 'description'],
};
const SUPPORTED = 'type, description, properties, required, additionalProperties: false, items, minItems, maxItems, enum, minLength, maxLength, minimum, maximum';

type Issue = { path: PropertyKey[]; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What zod's shape checks cannot say well: unsupported keywords (named, with the fix), missing
 * bounds, depth and size. Runs before the shape parse, so a schema with an unsupported keyword gets
 * this message rather than a bare "unknown field".
 */
export function resultSchemaProblems(root: unknown): Issue[] {
  const issues: Issue[] = [];
  let nodes = 0;
  const walk = (node: unknown, at: PropertyKey[], depth: number): void => {
    nodes += 1;
    if (!isRecord(node)) return; // the shape parse reports it
    const type = node['type'];
    if (typeof type !== 'string' || !Object.hasOwn(KEYWORDS, type)) {
      issues.push({ path: [...at, 'type'], message: `must be one of object, array, string, number, integer, boolean (rule result-schema-type)` });
      return;
    }
    const allowed = KEYWORDS[type] ?? [];
    for (const key of Object.keys(node)) {
      if (!allowed.includes(key)) {
        issues.push({
          path: [...at, key],
          message: `keyword "${PROPERTY_NAME.test(key) || /^[$A-Za-z]{1,32}$/.test(key) ? key : '<key>'}" is not supported for type ${type} in a result schema (rule result-schema-keyword); use only ${SUPPORTED}, and check anything else in the workflow`,
        });
      }
    }
    if (depth > RESULT_LIMITS.depth) issues.push({ path: at, message: `nests deeper than ${RESULT_LIMITS.depth} levels (rule result-schema-depth); flatten the result` });
    if (type === 'string' && node['maxLength'] === undefined && node['enum'] === undefined) {
      issues.push({ path: [...at, 'maxLength'], message: `is required for a string without enum (rule result-schema-bound); add maxLength (at most ${RESULT_LIMITS.maxLength})` });
    }
    if (type === 'array') {
      if (node['maxItems'] === undefined) issues.push({ path: [...at, 'maxItems'], message: `is required for an array (rule result-schema-bound); add maxItems (at most ${RESULT_LIMITS.maxItems})` });
      if (node['items'] !== undefined) walk(node['items'], [...at, 'items'], depth + 1);
    }
    if (type === 'object' && isRecord(node['properties'])) {
      const names = Object.keys(node['properties']);
      for (const name of names) {
        if (!PROPERTY_NAME.test(name)) {
          issues.push({ path: [...at, 'properties', '<key>'], message: 'a property name must match [a-z_][a-z0-9_]* (at most 64) (rule result-schema-name); rename it' });
        } else walk(node['properties'][name], [...at, 'properties', name], depth + 1);
      }
      if (node['additionalProperties'] !== undefined && node['additionalProperties'] !== false) {
        issues.push({ path: [...at, 'additionalProperties'], message: 'must be false: the objects of a result are closed (rule result-schema-closed); remove it or set it to false' });
      }
      const required = node['required'];
      if (Array.isArray(required)) {
        required.forEach((name, index) => {
          if (typeof name === 'string' && !names.includes(name)) {
            issues.push({ path: [...at, 'required', index], message: 'names no property of this object (rule result-schema-required); list only names under properties' });
          }
        });
      }
    }
    for (const list of ['required', 'enum'] as const) {
      const values = node[list];
      if (Array.isArray(values) && new Set(values).size !== values.length) {
        issues.push({ path: [...at, list], message: `repeats a value (rule duplicate); remove the repeat` });
      }
    }
  };
  if (isRecord(root) && root['type'] !== 'object') issues.push({ path: ['type'], message: 'the root of a result schema must be type object (rule result-schema-root); wrap the value in an object' });
  walk(root, [], 1);
  if (nodes > RESULT_LIMITS.nodes) issues.push({ path: [], message: `has ${nodes} schema nodes, over ${RESULT_LIMITS.nodes} (rule result-schema-size); make the result smaller` });
  return issues;
}

const Description = SafeText(300).optional();
const Bound = (max: number) => z.number().int().min(0).max(max);

export const ResultString = z.strictObject({
  type: z.literal('string'),
  description: Description,
  enum: z.array(SafeText(200)).min(1).max(RESULT_LIMITS.enumValues).optional(),
  minLength: Bound(RESULT_LIMITS.maxLength).optional(),
  maxLength: Bound(RESULT_LIMITS.maxLength).min(1).optional(),
});
export const ResultNumber = z.strictObject({
  type: z.enum(['number', 'integer']),
  description: Description,
  minimum: z.number().optional(),
  maximum: z.number().optional(),
});
export const ResultBoolean = z.strictObject({ type: z.literal('boolean'), description: Description });

/** One node of a result schema (see the file comment for the subset). */
export const ResultSchemaNode = z.discriminatedUnion('type', [
  ResultString,
  ResultNumber,
  ResultBoolean,
  z.strictObject({
    type: z.literal('array'),
    description: Description,
    get items(): z.ZodType<ResultSchemaNodeType> {
      return ResultSchemaNode;
    },
    minItems: Bound(RESULT_LIMITS.maxItems).optional(),
    maxItems: Bound(RESULT_LIMITS.maxItems).min(1),
  }),
  z.strictObject({
    type: z.literal('object'),
    description: Description,
    get properties(): z.ZodType<Record<string, ResultSchemaNodeType>> {
      return z.record(z.string().regex(PROPERTY_NAME), ResultSchemaNode).refine((p) => Object.keys(p).length <= RESULT_LIMITS.properties, {
        error: `at most ${RESULT_LIMITS.properties} properties`,
      });
    },
    required: z.array(z.string().regex(PROPERTY_NAME)).optional(),
    additionalProperties: z.literal(false).optional(),
  }),
]);

/**
 * The TypeScript shape of a result-schema node. Written out once because the schema is recursive
 * (zod cannot infer a type that refers to itself); `ResultSchemaNode` is checked against it.
 */
export type ResultSchemaNodeType =
  | z.output<typeof ResultString>
  | z.output<typeof ResultNumber>
  | z.output<typeof ResultBoolean>
  | { type: 'array'; description?: z.output<typeof Description> | undefined; items: ResultSchemaNodeType; minItems?: number | undefined; maxItems: number }
  | {
      type: 'object';
      description?: z.output<typeof Description> | undefined;
      properties: Record<string, ResultSchemaNodeType>;
      required?: string[] | undefined;
      additionalProperties?: false | undefined;
    };

/** A whole result schema: a bounded object node, checked for the subset before its shape. */
export const ResultSchema = z.preprocess((value, ctx) => {
  for (const issue of resultSchemaProblems(value)) ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: value });
  return value;
}, ResultSchemaNode);
export type ResultSchema = z.output<typeof ResultSchema>;

/** The built-in result presets. */
export const RESULT_PRESETS = ['verdict', 'plan'] as const;

/**
 * A role definition's `result:` block: a preset by name (`{ preset: verdict }`) or an inline schema
 * (`{ schema: {...} }`), exactly one of them. One object rather than a union, so a mistake deep in
 * an inline schema is reported at its own field path.
 */
export const RoleResult = z
  .strictObject({
    preset: z.enum(RESULT_PRESETS).optional(),
    schema: ResultSchema.optional(),
  })
  .refine((block) => (block.preset === undefined) !== (block.schema === undefined), {
    error: 'give exactly one of preset (verdict or plan) and schema',
  });
export type RoleResult = z.infer<typeof RoleResult>;
