/**
 * Provider neutrality, proven on the wire: real packs from the example workspace, rendered once, sent
 * through every HTTP adapter to a loopback server that records the bodies. Each adapter must put the
 * exact system text and user text of the rendering on the wire, and nothing that is not the model's
 * business: no key in any body, no host path.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../../activities/providers/index.js';
import type { ModelProvider } from '../../../activities/providers/model-provider.js';
import { assemblePacks, type AssembledPacks } from '../../../shared/engine/assemble/index.js';
import { sha256 } from '../../../shared/engine/hash.js';
import { renderPacks, type Rendering } from '../../../shared/engine/render.js';
import { Workspace } from '../../../shared/engine/workspace-fs.js';
import { EXAMPLE_WORKSPACE } from '../../support/workspace.js';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { anthropicAnswer, bodyOf, completionAnswer, entryFor, FAKE_ANTHROPIC_KEY, FAKE_OPENAI_KEY, openaiAnswer } from './support/wire.js';

const WORK_UNIT = { path: '.ctxpack/work-units/wp-7.yaml' };
const ENV = { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY, LOCAL_LLM_KEY: FAKE_OPENAI_KEY };

let packs: AssembledPacks;
let anthropicServer: FakeProvider;
let openaiServer: FakeProvider;
let adapters: { openai: ModelProvider; anthropic: ModelProvider; completion: ModelProvider };

function render(microTaskId: string): Rendering {
  return renderPacks({
    rolePack: packs.role.pack,
    rolePackHash: packs.role.hash,
    workUnitPack: packs.workUnit.pack,
    workUnitPackHash: packs.workUnit.hash,
    microTaskId,
  });
}

function textsOf(rendering: Rendering): { system: string; user: string } {
  const [system, user] = rendering.messages;
  if (system?.role !== 'system' || user?.role !== 'user' || rendering.messages.length !== 2) throw new Error('unexpected rendering shape');
  return { system: system.content, user: user.content };
}

async function sendEverywhere(rendering: Rendering): Promise<void> {
  const request = {
    model: 'alias-model',
    messages: rendering.messages,
    allowedTools: packs.role.pack.allowed_tools,
    context: { role: 'coder', microTask: 'MT-7.1', iteration: 1 },
  };
  await adapters.openai.complete(request);
  await adapters.anthropic.complete(request);
  await adapters.completion.complete(request);
}

const bytes = (text: unknown) => Buffer.from(String(text), 'utf8');

beforeAll(async () => {
  packs = await assemblePacks(await Workspace.open(EXAMPLE_WORKSPACE), 'coder', WORK_UNIT);
  anthropicServer = await startFakeProvider({ apiKey: FAKE_ANTHROPIC_KEY });
  openaiServer = await startFakeProvider({ apiKey: FAKE_OPENAI_KEY });
  anthropicServer.answer(() => anthropicAnswer());
  openaiServer.answer((req) => (req.api === 'completion' ? completionAnswer() : openaiAnswer()));
  adapters = {
    openai: createProvider(entryFor('openai-compatible', openaiServer.origin, { apiKeyEnv: 'LOCAL_LLM_KEY' }), { env: ENV }),
    anthropic: createProvider(entryFor('anthropic', anthropicServer.origin, { apiKeyEnv: 'ANTHROPIC_API_KEY' }), { env: ENV }),
    completion: createProvider(entryFor('completion', openaiServer.origin, { apiKeyEnv: 'LOCAL_LLM_KEY' }), { env: ENV }),
  };
});

afterAll(async () => {
  expect(anthropicServer.violations).toEqual([]);
  expect(openaiServer.violations).toEqual([]);
  await anthropicServer.close();
  await openaiServer.close();
});

describe('one rendering, every adapter', () => {
  it('puts byte-identical system and user text on the wire through the OpenAI-compatible and Anthropic adapters', async () => {
    const rendering = render('MT-7.1');
    const { system, user } = textsOf(rendering);
    const openaiStart = openaiServer.requests.length;
    const anthropicStart = anthropicServer.requests.length;
    await sendEverywhere(rendering);

    const openai = bodyOf(openaiServer.requests, openaiStart);
    const anthropic = bodyOf(anthropicServer.requests, anthropicStart);
    const openaiMessages = openai['messages'] as { role: string; content: string }[];
    const anthropicSystem = anthropic['system'] as { text: string }[];
    const anthropicMessages = anthropic['messages'] as { role: string; content: string }[];

    const onWire = {
      openai: { system: openaiMessages[0]?.content, user: openaiMessages[1]?.content },
      anthropic: { system: anthropicSystem[0]?.text, user: anthropicMessages[0]?.content },
    };
    expect(openaiMessages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(anthropicSystem).toHaveLength(1);
    expect(anthropicMessages.map((m) => m.role)).toEqual(['user']);
    // Byte for byte: the adapters agree with each other and with the rendering.
    expect(bytes(onWire.openai.system).equals(bytes(onWire.anthropic.system))).toBe(true);
    expect(bytes(onWire.openai.user).equals(bytes(onWire.anthropic.user))).toBe(true);
    expect(bytes(onWire.openai.system).equals(bytes(system))).toBe(true);
    expect(bytes(onWire.openai.user).equals(bytes(user))).toBe(true);
    // The rendering's own hash of the prefix is the hash of what each adapter sent.
    expect(sha256(bytes(onWire.anthropic.system))).toBe(rendering.prefix_hash);
    // And the JSON-encoded text is literally in both raw bodies (no re-encoding differences).
    for (const raw of [openaiServer.requests[openaiStart]?.body, anthropicServer.requests[anthropicStart]?.body]) {
      expect(raw).toContain(JSON.stringify(system));
      expect(raw).toContain(JSON.stringify(user));
    }
    // The completion adapter's single prompt holds both texts verbatim too.
    expect(bodyOf(openaiServer.requests, openaiStart + 1)['prompt']).toBe(`${system}\n${user}`);
    // Sanity: the rules really are in the text that was compared.
    for (const rule of packs.role.pack.strict_rules) expect(onWire.anthropic.system).toContain(rule);
    expect(onWire.openai.user).toContain('MT-7.1');
  });

  it('keeps the cacheable prefix (tools + system block) byte-stable across micro-tasks, marked for caching', async () => {
    const start = anthropicServer.requests.length;
    await sendEverywhere(render('MT-7.1'));
    await sendEverywhere(render('MT-7.2'));
    const first = bodyOf(anthropicServer.requests, start);
    const second = bodyOf(anthropicServer.requests, start + 1);
    expect(JSON.stringify(first['tools'])).toBe(JSON.stringify(second['tools']));
    expect(JSON.stringify(first['system'])).toBe(JSON.stringify(second['system']));
    expect(first['system']).toEqual([expect.objectContaining({ cache_control: { type: 'ephemeral' } })]);
    expect(first['messages']).not.toEqual(second['messages']);
    expect((first['tools'] as { name: string }[]).map((t) => t.name)).toEqual([...packs.role.pack.allowed_tools]);
  });

  it('sends no key and no host path in any request body (keys travel only in headers)', async () => {
    await sendEverywhere(render('MT-7.1'));
    await sendEverywhere(render('MT-7.2'));
    const all = [...openaiServer.requests, ...anthropicServer.requests];
    expect(all.length).toBeGreaterThanOrEqual(6);

    const forbidden = [
      FAKE_ANTHROPIC_KEY,
      FAKE_OPENAI_KEY,
      path.resolve(EXAMPLE_WORKSPACE),
      path.resolve(EXAMPLE_WORKSPACE, '..', '..'), // the checkout
      process.cwd(),
      homedir(),
    ].filter((value) => value.length > 1); // a homedir of "/" would match every path-like text
    for (const request of all) {
      for (const value of forbidden) expect(request.body.includes(value), `${request.path} body contains ${value === FAKE_ANTHROPIC_KEY || value === FAKE_OPENAI_KEY ? 'a key' : value}`).toBe(false);
    }
    // The keys were there to leak: they did reach the headers.
    expect(anthropicServer.requests.every((r) => r.headers['x-api-key'] === FAKE_ANTHROPIC_KEY)).toBe(true);
    expect(openaiServer.requests.every((r) => r.headers.authorization === `Bearer ${FAKE_OPENAI_KEY}`)).toBe(true);
  });
});
