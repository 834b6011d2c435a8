/**
 * The workspace's provider registry (`.ctxpack/providers.yaml`) and workspace settings
 * (`.ctxpack/workspace.yaml`). Work profiles name providers from the registry; the registry says
 * which are local and which are cloud.
 */
import { z } from 'zod';
import { Id, ModelId, WorkspacePath } from './common.js';

/**
 * How a model's rendering is made to fit its server's window, for models whose tokenizer is not the
 * pack's estimator. The pack stays estimator-based (the same bytes on every machine); these numbers,
 * measured once per model against its server (`/tokenize`, `/apply-template`), keep the request the
 * server actually sees under its window.
 */
export const RequestFit = z.strictObject({
  /** Tokens kept free for the answer; sent as `max_tokens`, so the answer cannot overrun the window. */
  answer_tokens: z.number().int().min(1),
  /** Tokens the server's chat template adds around the messages (role markers, BOS). */
  template_overhead_tokens: z.number().int().min(0),
  /** How many percent more tokens this model's tokenizer counts than the estimator, at most. */
  estimate_margin_pct: z.number().int().min(0).max(400),
  /** Tokens kept for the previous attempt's verification feedback; longer feedback is cut to fit. */
  feedback_tokens: z.number().int().min(0).default(0),
});
export type RequestFit = z.infer<typeof RequestFit>;

/** One provider of the registry: id, API kind, location (local or cloud), models and their windows. */
export const ProviderEntry = z.strictObject({
  id: Id,
  /** `local` runs on the team's machines; `cloud` sends data to a third party and needs consent. */
  kind: z.enum(['local', 'cloud']),
  /** Which adapter speaks to it. */
  api: z.enum(['scripted', 'openai-compatible', 'anthropic', 'completion']),
  base_url: z.url().optional(),
  models: z
    .array(
      z.strictObject({
        id: ModelId,
        /** Context window in tokens; the payload is trimmed to fit. */
        context_window: z.number().int().min(256),
        /** When set, the payload is trimmed so the whole rendered request fits (see RequestFit). */
        request_fit: RequestFit.optional(),
      }),
    )
    .min(1),
  /** Label shown to operators, e.g. `cloud-standard`; only for cloud providers. */
  cloud_tier: z.string().min(1).max(64).optional(),
  /** For `api: scripted`: the workspace file with the scripted answers. */
  script: WorkspacePath.optional(),
  /**
   * For `api: openai-compatible`: how the model is asked for tool calls. `native` sends `tools`
   * (models with tool calling); `grammar` (llama.cpp) and `json_schema` (`response_format`) constrain
   * the answer to one call of an allowed tool, for models that ignore `tools`. Default `native`.
   */
  tool_calls: z.enum(['native', 'grammar', 'json_schema']).optional(),
  /** Name of the environment variable holding the API key. The key itself is never written anywhere. */
  api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
});
export type ProviderEntry = z.infer<typeof ProviderEntry>;

/** The workspace's provider registry (`.ctxpack/providers.yaml`). */
export const ProviderRegistry = z
  .strictObject({
    schema_version: z.literal(1),
    providers: z.array(ProviderEntry).min(1),
  })
  .superRefine((registry, ctx) => {
    const seen = new Set<string>();
    registry.providers.forEach((provider, index) => {
      if (seen.has(provider.id)) {
        ctx.addIssue({ code: 'custom', path: ['providers', index, 'id'], message: `duplicate provider id "${provider.id}"` });
      }
      seen.add(provider.id);
    });
  });
export type ProviderRegistry = z.infer<typeof ProviderRegistry>;

/** Workspace settings (`.ctxpack/workspace.yaml`). */
export const WorkspaceSettings = z.strictObject({
  schema_version: z.literal(1),
  /** Master switch: when false no role in this workspace may use a cloud provider. */
  cloud_allowed: z.boolean(),
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;
