/**
 * The fixed table of tool definitions the HTTP adapters advertise to models. A role pack names its
 * allowed tools; only those found here are sent, in the pack's own order. The definitions are
 * constants (no workspace data, no paths), so for one role pack the tool list is byte-stable like
 * the system prefix: Anthropic caches tools as part of the prompt prefix, and other providers'
 * prefix caches see the same bytes on every call.
 *
 * Advertising a tool grants nothing: every call a model returns still passes the tool gate
 * (activities/tool-gate.ts) against the pack's allowed tools and lock set.
 */
import { ProviderError, type ToolCall } from './model-provider.js';

/** A JSON Schema for a tool's arguments: a closed object of string properties. */
export interface ToolParameters {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, { readonly type: 'string'; readonly description: string }>>;
  readonly required: readonly string[];
  readonly additionalProperties: false;
}

/** One tool as the adapters describe it; each adapter maps it to its own wire shape. */
export interface ToolSchema {
  readonly name: string;
  readonly description: string;
  readonly parameters: ToolParameters;
}

const PATH = { type: 'string', description: 'Workspace-relative path with forward slashes, e.g. src/config.js.' } as const;

/** Every tool the adapters know how to describe, by name. */
export const TOOL_SCHEMAS: Readonly<Record<string, ToolSchema>> = {
  read_file: {
    name: 'read_file',
    description: 'Read one file of the workspace. Only paths the lock set opens for reading or writing are allowed.',
    parameters: { type: 'object', properties: { path: PATH }, required: ['path'], additionalProperties: false },
  },
  write_file: {
    name: 'write_file',
    description: 'Replace the whole content of one workspace file (created if missing). Only paths the lock set opens for writing are allowed.',
    parameters: {
      type: 'object',
      properties: { path: PATH, content: { type: 'string', description: 'The complete new file content.' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  list_files: {
    name: 'list_files',
    description: 'List the files under one workspace directory.',
    parameters: { type: 'object', properties: { path: PATH }, required: ['path'], additionalProperties: false },
  },
  run_tests: {
    name: 'run_tests',
    description: "Run the micro-task's verification commands. Takes no arguments.",
    parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  },
};

/**
 * The definitions for `allowedTools`, in their given order. A tool missing from the table is not
 * advertised (its argument shape is unknown, and inventing one would invite malformed calls).
 */
export function toolSchemasFor(allowedTools: readonly string[]): ToolSchema[] {
  const out: ToolSchema[] = [];
  for (const name of allowedTools) {
    // Own-property check: a tool named "constructor" must not find Object.prototype members.
    const schema = Object.hasOwn(TOOL_SCHEMAS, name) ? TOOL_SCHEMAS[name] : undefined;
    if (schema) out.push(schema);
  }
  return out;
}

/**
 * The ToolCall for a model's request to use `tool` with `args`. Arguments must be an object whose
 * `path` and `content`, when present, are strings; other keys are ignored (the gate decides on tool
 * and path only). Anything else is a malformed answer: a 'bad-response' naming the provider and the
 * tool, never the argument values (they may hold file content).
 */
export function toToolCall(providerId: string, tool: string, args: unknown): ToolCall {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new ProviderError(`provider "${providerId}" returned a ${tool} call whose arguments are not a JSON object`, 'bad-response', false);
  }
  const { path, content } = args as Record<string, unknown>;
  for (const [key, value] of [['path', path], ['content', content]] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new ProviderError(`provider "${providerId}" returned a ${tool} call whose "${key}" is not a string`, 'bad-response', false);
    }
  }
  return {
    tool,
    ...(typeof path === 'string' ? { path } : {}),
    ...(typeof content === 'string' ? { content } : {}),
  };
}
