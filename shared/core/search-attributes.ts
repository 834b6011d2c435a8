/**
 * The custom search attributes a governed job keeps current, so operators can list and filter runs
 * by role, model, provider, pack hash and cloud tier in the Temporal Web UI and with `ctxpack list`.
 *
 * Pure: imported by workflow code, the worker, the dev-server launcher and the compose-file test.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attribute (Keyword): the role of the seat a governed job runs now. */
export const CtxPackRole = defineSearchAttributeKey('CtxPackRole', SearchAttributeType.KEYWORD);
/** Search attribute (Keyword): the model of the seat a governed job runs now. */
export const CtxPackModel = defineSearchAttributeKey('CtxPackModel', SearchAttributeType.KEYWORD);
/** Search attribute (Keyword): the provider of the seat a governed job runs now. */
export const CtxPackProvider = defineSearchAttributeKey('CtxPackProvider', SearchAttributeType.KEYWORD);
/** Search attribute (Keyword): the `sha256:` hash of the work-unit pack bound now. */
export const CtxPackHash = defineSearchAttributeKey('CtxPackHash', SearchAttributeType.KEYWORD);
/** Search attribute (Bool): whether the current seat's provider is a cloud provider. */
export const CtxPackCloud = defineSearchAttributeKey('CtxPackCloud', SearchAttributeType.BOOL);
/** Search attribute (Keyword): the work unit (job) a governed job runs. */
export const CtxPackJob = defineSearchAttributeKey('CtxPackJob', SearchAttributeType.KEYWORD);

/** Every attribute the plugin writes; the dev server and the compose file register all of them. */
export const CTXPACK_SEARCH_ATTRIBUTES = [
  CtxPackRole,
  CtxPackModel,
  CtxPackProvider,
  CtxPackHash,
  CtxPackCloud,
  CtxPackJob,
] as const;

/** `Name=Type` pairs as the Temporal CLI's `--search-attribute` flag and the admin tools take them. */
export function searchAttributeFlags(): string[] {
  return CTXPACK_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${cliTypeName(key.type)}`);
}

/** The type's name as the Temporal CLI and `tcld` spell it (`Keyword`, `Bool`, ...). */
export function cliTypeName(type: SearchAttributeType): string {
  switch (type) {
    case SearchAttributeType.KEYWORD:
      return 'Keyword';
    case SearchAttributeType.BOOL:
      return 'Bool';
    case SearchAttributeType.TEXT:
      return 'Text';
    case SearchAttributeType.INT:
      return 'Int';
    case SearchAttributeType.DOUBLE:
      return 'Double';
    case SearchAttributeType.DATETIME:
      return 'Datetime';
    case SearchAttributeType.KEYWORD_LIST:
      return 'KeywordList';
  }
}
