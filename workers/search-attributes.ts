/**
 * Makes sure the namespace has the search attributes a governed job writes, before a worker polls.
 *
 * Why at worker start: a workflow that upserts an attribute the namespace does not know fails its
 * workflow task with `BadSearchAttributes`, and the server retries that task forever. Checking once
 * up front turns that into one clear error (or a one-time registration) instead.
 */
import { SearchAttributeType } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SearchAttributesMissing } from '../shared/core/errors.js';
import { CTXPACK_SEARCH_ATTRIBUTES, cliTypeName } from '../shared/core/search-attributes.js';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;

/**
 * What a worker does about the plugin's search attributes at start:
 * - `ensure` (default): add the missing ones (idempotent); refuse to start when that is not allowed;
 * - `check`: never change the namespace; refuse to start when any is missing (for clusters whose
 *   attributes are managed elsewhere, e.g. by Terraform or `tcld`).
 */
export type SearchAttributePolicy = 'ensure' | 'check';

/** The slice of a Temporal connection this needs: both the client's and the worker's have it. */
export interface HasOperatorService {
  readonly operatorService: OperatorService;
}

/** What {@link ensureSearchAttributes} found and did. */
export interface SearchAttributeReport {
  readonly namespace: string;
  /** Attributes that were already registered with the right type. */
  readonly present: readonly string[];
  /** Attributes this call registered. */
  readonly added: readonly string[];
}

// temporal.api.enums.v1.IndexedValueType: wire values fixed by Temporal's protos (the proto package is
// CommonJS, so its enum objects are not importable by name from ESM).
const INDEXED: Record<SearchAttributeType, number> = {
  [SearchAttributeType.TEXT]: 1,
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 4,
  [SearchAttributeType.BOOL]: 5,
  [SearchAttributeType.DATETIME]: 6,
  [SearchAttributeType.KEYWORD_LIST]: 7,
};

/**
 * Registers (policy `ensure`) or checks (policy `check`) the plugin's search attributes on `namespace`.
 *
 * @throws SearchAttributesMissing naming every missing or mistyped attribute, its type and the
 *   commands that add it, when the namespace lacks any and they could not (or may not) be added.
 */
export async function ensureSearchAttributes(
  connection: HasOperatorService,
  namespace: string,
  policy: SearchAttributePolicy = 'ensure',
): Promise<SearchAttributeReport> {
  let custom: Record<string, number>;
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    custom = (listed.customAttributes ?? {}) as Record<string, number>;
  } catch (err) {
    throw missing(namespace, [...CTXPACK_SEARCH_ATTRIBUTES], `the namespace's search attributes could not be listed (${grpcReason(err)})`);
  }
  const present: string[] = [];
  const absent: Array<(typeof CTXPACK_SEARCH_ATTRIBUTES)[number]> = [];
  const mistyped: string[] = [];
  for (const key of CTXPACK_SEARCH_ATTRIBUTES) {
    const found = custom[key.name];
    if (found === undefined) absent.push(key);
    else if (found !== INDEXED[key.type]) mistyped.push(key.name);
    else present.push(key.name);
  }
  if (mistyped.length > 0) {
    throw new SearchAttributesMissing(
      `namespace ${namespace} has search attribute(s) ${mistyped.join(', ')} with another type than context-packs writes (${describe(CTXPACK_SEARCH_ATTRIBUTES.filter((k) => mistyped.includes(k.name)))})`,
      'a search attribute cannot change type: use another namespace for context-packs, or remove the attribute there first',
      { namespace, mistyped },
    );
  }
  if (absent.length === 0) return { namespace, present, added: [] };
  if (policy === 'check') throw missing(namespace, absent, 'the worker is set to check, not add, search attributes');
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(absent.map((key) => [key.name, INDEXED[key.type]])),
    });
  } catch (err) {
    // Another worker may have added them a moment ago: that is success, not a conflict.
    if (grpcCode(err) !== ALREADY_EXISTS) {
      throw missing(namespace, absent, `adding them was refused (${grpcReason(err)})`);
    }
  }
  return { namespace, present, added: absent.map((key) => key.name) };
}

function missing(namespace: string, keys: ReadonlyArray<(typeof CTXPACK_SEARCH_ATTRIBUTES)[number]>, why: string): SearchAttributesMissing {
  const names = keys.map((key) => `--name ${key.name} --type ${cliTypeName(key.type)}`).join(' ');
  const cloud = keys.map((key) => `--search-attribute "${key.name}=${cliTypeName(key.type)}"`).join(' ');
  return new SearchAttributesMissing(
    `namespace ${namespace} lacks the search attributes context-packs writes: ${describe(keys)}; ${why}`,
    `add them once with \`temporal operator search-attribute create --namespace ${namespace} ${names}\` ` +
      `(Temporal Cloud: \`tcld namespace search-attributes add --namespace ${namespace} ${cloud}\`), or run \`npx ctxpack setup\` with operator rights`,
    { namespace, missing: keys.map((key) => ({ name: key.name, type: cliTypeName(key.type) })) },
  );
}

function describe(keys: ReadonlyArray<(typeof CTXPACK_SEARCH_ATTRIBUTES)[number]>): string {
  return keys.map((key) => `${key.name} (${cliTypeName(key.type)})`).join(', ');
}

// gRPC status codes are fixed by the gRPC spec; naming them here avoids depending on a gRPC package.
const ALREADY_EXISTS = 6;
const GRPC_STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION',
  10: 'ABORTED', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED',
};

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The gRPC status name only: server text can be long and is not ours to echo. */
function grpcReason(err: unknown): string {
  const code = grpcCode(err);
  if (code === undefined) return err instanceof Error ? err.name : 'unknown error';
  return GRPC_STATUS_NAMES[code] ?? `gRPC status ${code}`;
}
