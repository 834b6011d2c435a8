/** The builder's id and version (see builder.ts), with no imports: cheap to load on the reuse path. */
export const BUILDER_ID = 'context-packs';
/**
 * 1.4.0 (issue #14): every text and id goes through the sanitizer (shared/engine/sanitize.ts; work-unit fields redacted and
 * host-path-rewritten, invisible characters marked), skipped anchors named by position, budget cuts
 * outside the budget, redactor 1.4.0.
 */
export const BUILDER_VERSION = '1.4.0';
