/**
 * Loads and validates a workspace's authored inputs: role definitions, work units, the provider
 * registry and workspace settings. YAML or JSON, chosen by file extension.
 */
import { parse as parseYaml, parseDocument, YAMLParseError } from 'yaml';
import { INPUT_LIMITS } from '../bounded-read.js';
import { PackSchemaInvalid, PackSourceMissing } from '../../core/errors.js';
import { sha256 } from '../hash.js';
import { parseCache } from '../parse-cache.js';
import { canonicalBytes } from '../../core/canonical.js';
import { parseOrThrow } from '../../core/schema/parse.js';
import { RoleDefinition, RoleId, WorkUnitDefinition, ProviderRegistry, WorkspaceSettings } from '../../core/schema/index.js';
import { PlainWorkUnitDefinition } from '../../core/schema/work-unit.js';
import { isPlainPath } from '../../core/paths.js';
import { parseWithPlainList } from './yaml-list.js';
import type { Sha256 } from '../hash.js';
import type { Workspace } from '../workspace-fs.js';

export const CTXPACK_DIR = '.ctxpack';
export const ROLES_DIR = `${CTXPACK_DIR}/roles`;
export const PROVIDERS_FILE = `${CTXPACK_DIR}/providers.yaml`;
export const WORKSPACE_FILE = `${CTXPACK_DIR}/workspace.yaml`;
/** Source id path of a work unit given as an object rather than a workspace file. */
export const INLINE_WORK_UNIT = '(inline)';

/** A parsed input together with the exact bytes and hash it came from. */
export interface LoadedInput<T> {
  readonly value: T;
  readonly path: string;
  readonly hash: Sha256;
}

/** Decodes UTF-8 strictly: a binary or mis-encoded input is an error, not mojibake in a pack. */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PackSchemaInvalid(`${path}: is not valid UTF-8 text`, 'save the file as UTF-8', { path });
  }
}

/**
 * Parses YAML (`.yaml`, `.yml`) or JSON (anything else) text, naming the file, line and rule on
 * error and never quoting the text (it may hold a secret).
 *
 * Ambiguity is refused in both: a repeated key is an error in JSON exactly as in YAML (JSON.parse
 * alone would keep the last value). JSON syntax is JSON.parse's; the `yaml` package (a YAML 1.2
 * parser reads JSON too) finds the position of a syntax error and the repeated keys.
 */
export function parseStructured(text: string, path: string, plainList?: string): unknown {
  if (/\.ya?ml$/i.test(path)) {
    try {
      // uniqueKeys: a repeated key is an authoring mistake; maxAliasCount guards against alias bombs.
      const options = { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true };
      // A long list of plain paths (a work unit's required_files) is read directly when that is
      // certainly what the full parse gives (yaml-list.ts); otherwise, and for every error, the full parse.
      const fast = plainList === undefined ? undefined : parseWithPlainList(text, plainList, options);
      if (fast !== undefined) return fast;
      return parseYaml(text, options);
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const at = err.linePos?.[0];
        throw new PackSchemaInvalid(
          `${path}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML (rule ${yamlRule(err.code)})`,
          err.code === 'DUPLICATE_KEY' ? 'remove one of the repeated keys' : 'fix the YAML syntax at that position',
          { path, rule: yamlRule(err.code) },
        );
      }
      // The library also throws plain errors, e.g. a ReferenceError for an alias with no anchor
      // (found by fuzzing): still bad input, never a crash. Its message quotes the value: not shown.
      throw new PackSchemaInvalid(`${path}: not valid YAML (rule yaml-alias)`, 'fix the YAML (check anchors and aliases)', {
        path,
        rule: 'yaml-alias',
      });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's message quotes the text around the error: take the position from `yaml` instead.
    // The json schema makes `yaml` refuse what JSON refuses (an unquoted word, say), with a position.
    const at = parseDocument(text, { uniqueKeys: false, schema: 'json' }).errors[0]?.linePos?.[0];
    throw new PackSchemaInvalid(
      `${path}${at ? `:${at.line}:${at.col}` : ''}: not valid JSON (rule json-syntax)`,
      'fix the JSON syntax at that position, or use a .yaml extension for YAML',
      { path, rule: 'json-syntax' },
    );
  }
  if (value !== null && typeof value === 'object') {
    const duplicate = parseDocument(text, { uniqueKeys: true }).errors.find((e) => e.code === 'DUPLICATE_KEY');
    if (duplicate) {
      const at = duplicate.linePos?.[0];
      throw new PackSchemaInvalid(
        `${path}${at ? `:${at.line}:${at.col}` : ''}: a key is repeated in one object (rule duplicate-key)`,
        'remove one of the repeated keys: JSON inputs are refused when a key appears twice, as YAML ones are',
        { path, rule: 'duplicate-key' },
      );
    }
  }
  return value;
}

function yamlRule(code: string): string {
  return code === 'DUPLICATE_KEY' ? 'duplicate-key' : `yaml-${code.toLowerCase().replace(/_/g, '-')}`;
}

async function loadFile<T>(
  workspace: Workspace,
  path: string,
  field: string,
  parse: (value: unknown) => T,
  plainList?: string,
): Promise<LoadedInput<T>> {
  const bytes = await workspace.readBytes(path, field, INPUT_LIMITS.definition);
  const hash = sha256(bytes);
  // The same bytes at the same path parsed for the same field give the same value (parse-cache.ts).
  const value = parseCache.get(`input:${field}:${path}`, hash, bytes.length, () => parse(parseStructured(decodeUtf8(bytes, path), path, plainList)));
  return { value, path, hash };
}

async function firstExisting(workspace: Workspace, candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) if (await workspace.exists(candidate)) return candidate;
  return undefined;
}

export async function loadRoleDefinition(workspace: Workspace, roleId: string): Promise<LoadedInput<RoleDefinition>> {
  parseOrThrow(RoleId, roleId, 'role id', 'role');
  const candidates = ['yaml', 'yml', 'json'].map((ext) => `${ROLES_DIR}/${roleId}.${ext}`);
  const path = await firstExisting(workspace, candidates);
  if (!path) {
    throw new PackSourceMissing(
      `role "${roleId}" has no definition (looked for ${candidates.join(', ')})`,
      `create ${ROLES_DIR}/${roleId}.yaml, or pick one of the roles in ${ROLES_DIR}/`,
      { role: roleId },
    );
  }
  const loaded = await loadFile(workspace, path, `roles.${roleId}`, (value) =>
    parseOrThrow(RoleDefinition, value, path, `roles.${roleId}`),
  );
  if (loaded.value.role_id !== roleId) {
    throw new PackSchemaInvalid(
      `${path}: role_id is "${loaded.value.role_id}" but the file is named for "${roleId}" (rule role-id-mismatch)`,
      `rename the file to ${ROLES_DIR}/${loaded.value.role_id}.yaml or set role_id: ${roleId}`,
      { path },
    );
  }
  return loaded;
}

/** Every role id defined in the workspace, sorted. */
export async function listRoleIds(workspace: Workspace): Promise<string[]> {
  const files = await workspace.glob([`${ROLES_DIR}/*.{yaml,yml,json}`]);
  return [...new Set(files.map((file) => file.slice(ROLES_DIR.length + 1).replace(/\.(ya?ml|json)$/, '')))].sort();
}

/** A work unit given as a workspace file path, or as an object (hashed by its canonical form). */
export type WorkUnitRef = { readonly path: string } | { readonly object: unknown };

export async function loadWorkUnit(workspace: Workspace, ref: WorkUnitRef): Promise<LoadedInput<WorkUnitDefinition>> {
  if ('path' in ref) {
    return loadFile(workspace, ref.path, 'work_unit', (value) => parseWorkUnit(value, ref.path), 'required_files');
  }
  const value = parseWorkUnit(ref.object, 'work unit');
  return { value, path: INLINE_WORK_UNIT, hash: sha256(canonicalBytes(ref.object)) };
}

/**
 * The work-unit schema, with one bulk check in front: when every required file is a plain path
 * (paths.ts `isPlainPath`: valid by construction), the list is checked as plain strings instead of
 * per entry through the path rules. Anything else, and every failure, goes through the full schema,
 * so the result and the errors are the full schema's.
 */
function parseWorkUnit(value: unknown, what: string): WorkUnitDefinition {
  const files = typeof value === 'object' && value !== null ? (value as { required_files?: unknown }).required_files : undefined;
  if (Array.isArray(files) && files.every((f) => typeof f === 'string' && isPlainPath(f))) {
    const fast = PlainWorkUnitDefinition.safeParse(value);
    if (fast.success) return fast.data;
  }
  return parseOrThrow(WorkUnitDefinition, value, what, 'work_unit');
}

export async function loadProviderRegistry(workspace: Workspace): Promise<LoadedInput<ProviderRegistry> | undefined> {
  if (!(await workspace.exists(PROVIDERS_FILE))) return undefined;
  return loadFile(workspace, PROVIDERS_FILE, 'providers', (value) =>
    parseOrThrow(ProviderRegistry, value, PROVIDERS_FILE, 'providers'),
  );
}

export async function loadWorkspaceSettings(workspace: Workspace): Promise<WorkspaceSettings> {
  if (!(await workspace.exists(WORKSPACE_FILE))) return { schema_version: 1, cloud_allowed: false };
  return (
    await loadFile(workspace, WORKSPACE_FILE, 'workspace', (value) =>
      parseOrThrow(WorkspaceSettings, value, WORKSPACE_FILE, 'workspace'),
    )
  ).value;
}

export { PackSourceMissing };
