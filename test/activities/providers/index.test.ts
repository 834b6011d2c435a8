import { describe, expect, it } from 'vitest';
import { AnthropicProvider, CompletionProvider, createProvider, OpenAICompatibleProvider } from '../../../activities/providers/index.js';
import { TOOL_SCHEMAS, toolSchemasFor } from '../../../activities/providers/tool-schemas.js';
import { ProviderEntry } from '../../../shared/core/schema/providers.js';
import { entryFor } from './support/wire.js';

const ORIGIN = 'http://127.0.0.1:9';

describe('createProvider', () => {
  it('builds the adapter the entry names, with the entry id', () => {
    const openai = createProvider(entryFor('openai-compatible', ORIGIN, { id: 'ollama' }));
    expect(openai).toBeInstanceOf(OpenAICompatibleProvider);
    expect(openai.id).toBe('ollama');
    expect(createProvider(entryFor('anthropic', ORIGIN))).toBeInstanceOf(AnthropicProvider);
    expect(createProvider(entryFor('completion', ORIGIN))).toBeInstanceOf(CompletionProvider);
  });

  it('refuses scripted entries: those need the workspace and are built in invoke-model.ts', () => {
    const scripted = ProviderEntry.parse({
      id: 'local-small',
      kind: 'local',
      api: 'scripted',
      script: '.ctxpack/scripts/demo.yaml',
      models: [{ id: 'tiny-coder-1b', context_window: 8192 }],
    });
    expect(() => createProvider(scripted)).toThrow(/"local-small" uses api "scripted"/);
  });

  it('refuses an entry without base_url and nonsensical options, before anything is sent', () => {
    const { base_url: _unused, ...noUrl } = entryFor('anthropic', ORIGIN, { id: 'claude' });
    expect(() => createProvider(noUrl)).toThrow(/"claude" \(api "anthropic"\) has no base_url/);
    expect(() => createProvider(entryFor('anthropic', ORIGIN), { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createProvider(entryFor('completion', ORIGIN), { maxOutputTokens: 1.5 })).toThrow(/maxOutputTokens/);
  });
});

describe('tool schema table', () => {
  it('describes the four tools as closed objects', () => {
    expect(Object.keys(TOOL_SCHEMAS).sort()).toEqual(['list_files', 'read_file', 'run_tests', 'write_file']);
    for (const schema of Object.values(TOOL_SCHEMAS)) {
      expect(schema.parameters.additionalProperties).toBe(false);
      for (const required of schema.parameters.required) expect(schema.parameters.properties).toHaveProperty(required);
    }
  });

  it('returns definitions in the given order, skipping unknown names (prototype keys included)', () => {
    expect(toolSchemasFor(['write_file', 'constructor', 'list_files', 'toString']).map((t) => t.name)).toEqual(['write_file', 'list_files']);
  });
});
