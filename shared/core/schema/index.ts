/** Every zod schema: the single source of truth for pack, input and message types. */
export * from './common.js';
export * from './context-items.js';
export * from './parse.js';
export * from './payload.js';
export * from './providers.js';
export * from './role-definition.js';
export * from './role-pack.js';
export * from './result-schema.js';
export * from './work-unit.js';
export * from './work-unit-pack.js';
export * from './freshness.js';
export * from './governed-job.js';
