// A TypeScript (NodeNext, strict, skipLibCheck off) consumer: the plugin, the messages and a pack
// schema, type-checked against the package's own .d.ts files.
import { contextPacksPlugin, governedJob, packState, requestModelSwap, RoleContextPack, type PackState, type SwapRequest } from 'context-packs';
import type { GovernedJobResult } from 'context-packs/workflow';

const plugin = contextPacksPlugin({ workspaces: { demo: './workspace' }, searchAttributes: 'check' });
const swap: SwapRequest = { request_id: 'r-1', target_role: 'coder', model: 'big-coder-14b', provider: 'local-large', reason: 'swap', requester: 'ts-consumer' };
const describe = (state: PackState | undefined, result: GovernedJobResult | undefined): string => `${state?.status ?? 'none'} ${result?.status ?? 'none'}`;
const parsed = RoleContextPack.safeParse({});

process.stdout.write(`${JSON.stringify({
  plugin: plugin.name,
  workflow: governedJob.name,
  query: packState.name,
  update: requestModelSwap.name,
  swap: swap.request_id,
  describe: describe(undefined, undefined),
  rejectsEmptyPack: !parsed.success,
})}\n`);
