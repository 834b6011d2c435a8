/**
 * Loaded once per reusable V8 context, before any workflow runs (the bundler's `preloadModules`, set
 * by the plugin: see workers/workflows-entry.ts), so zod's library code is shared by every cached
 * workflow instead of being evaluated again for each one (~0.7 MB of heap per workflow).
 *
 * Temporal deep-freezes what a preloaded module reaches, so zod's lazily filled state must be filled
 * here, before the freeze: its default locale and memoizer (written into its global config on the
 * first schema built) and its `allowsEval` probe. Schemas themselves are built by each workflow from
 * shared/core/schema and never frozen; nothing here holds per-workflow state.
 */
import { z } from 'zod';

z.strictObject({ warm: z.array(z.string()) }).safeParse({ warm: ['up'] });
void z.core.util.allowsEval.value;

export {};
