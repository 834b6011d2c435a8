/**
 * JSON Schema documents generated from the zod schemas (the single source of truth), for editors,
 * other languages and `ctxpack schema`. Checks that JSON Schema cannot express (sort order, safe
 * paths) are enforced by the zod parse; the generated files describe shape and types.
 */
import { z } from 'zod';
import * as schemas from './schema/index.js';

const EXPORTED = {
  'role-context-pack.schema.json': { schema: schemas.RoleContextPack, io: 'output' },
  'work-unit-context-pack.schema.json': { schema: schemas.WorkUnitContextPack, io: 'output' },
  'role-definition.schema.json': { schema: schemas.RoleDefinition, io: 'input' },
  'work-unit.schema.json': { schema: schemas.WorkUnitDefinition, io: 'input' },
  'context-items.schema.json': { schema: schemas.ContextItemsFile, io: 'input' },
  'providers.schema.json': { schema: schemas.ProviderRegistry, io: 'input' },
  'workspace.schema.json': { schema: schemas.WorkspaceSettings, io: 'input' },
  'freshness-policy.schema.json': { schema: schemas.FreshnessPolicy, io: 'input' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

/** File name -> JSON Schema document (draft 2020-12). */
export function jsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [file, { schema, io }] of Object.entries(EXPORTED)) {
    out[file] = {
      $id: `https://context-packs.dev/schemas/${file}`,
      ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }),
    };
  }
  return out;
}
