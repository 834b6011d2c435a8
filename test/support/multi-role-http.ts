/**
 * The multi-role job (orchestrator, coder, validator) behind the loopback fake HTTP providers: the
 * fake "models" of the three seats, answering in each wire format the way the real APIs do, and the
 * workspace edits that put every seat of a job on the Anthropic adapter.
 *
 * Structured results are answered only when the request asked for them the way the real API takes
 * it: a Chat Completions request with `response_format: { type: json_schema }` gets the result as its
 * message content (what structured output returns); a Messages request whose `tool_choice` forces
 * the `submit_result` tool gets one `tool_use` block of that tool and nothing else (Anthropic prefills
 * the forced call, so no text comes before it). A request that did not ask gets prose, as a real
 * model would answer, and the job fails on the missing result.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { RESULT_TOOL } from '../../activities/providers/anthropic.js';
import type { Seat } from '../../shared/core/schema/governed-job.js';
import type { PlanResult, VerdictResult } from '../../shared/core/schema/workflow-state.js';
import type { RecordedRequest, Reply, ReplyHandler } from '../activities/providers/support/fake-provider.js';
import { anthropicAnswer, openaiAnswer } from '../activities/providers/support/wire.js';
import { HTTP_CLOUD, microTaskOf, roleOf, toolAnswer } from './http-providers.js';

/** The Anthropic run's seats: one cloud model per seat, all behind the Anthropic fake. */
export const CLOUD_PLANNER: Seat = { role: 'orchestrator', model: 'frontier-planner', provider: HTTP_CLOUD.provider };
export const CLOUD_CODER: Seat = HTTP_CLOUD;
export const CLOUD_REVIEWER: Seat = { role: 'validator', model: 'frontier-reviewer', provider: HTTP_CLOUD.provider };

/**
 * After `useHttpProviders`: the cloud entry gets a model for the orchestrator and one for the
 * validator, and those two roles may use it (`cloud_allowed`, and the model as a rung of their ladder).
 * The coder's ladder already ends in the cloud rung.
 */
export async function putSeatsOnAnthropic(dir: string): Promise<void> {
  const registryPath = path.join(dir, '.ctxpack/providers.yaml');
  const registry = parse(await readFile(registryPath, 'utf8')) as { providers: { id: string; models: { id: string; context_window: number }[] }[] };
  const cloud = registry.providers.find((provider) => provider.id === HTTP_CLOUD.provider);
  if (!cloud) throw new Error(`the HTTP registry has no ${HTTP_CLOUD.provider} entry`);
  cloud.models.push({ id: CLOUD_PLANNER.model, context_window: 200_000 }, { id: CLOUD_REVIEWER.model, context_window: 200_000 });
  await writeFile(registryPath, stringify(registry));
  for (const seat of [CLOUD_PLANNER, CLOUD_REVIEWER]) {
    const rolePath = path.join(dir, `.ctxpack/roles/${seat.role}.yaml`);
    const role = parse(await readFile(rolePath, 'utf8')) as { work_profile: { cloud_allowed: boolean; ladder: { provider: string; model: string }[] } };
    role.work_profile.cloud_allowed = true;
    role.work_profile.ladder.push({ provider: seat.provider, model: seat.model });
    await writeFile(rolePath, stringify(role));
  }
}

type Body = Record<string, unknown>;
const body = (request: RecordedRequest): Body => request.json as Body;

/**
 * The schema a request asks its answer to follow, read as the real API reads it, or undefined when
 * it asks for none: `response_format.json_schema.schema` (Chat Completions), or the input schema of
 * the tool `tool_choice` forces when that is `submit_result` (Messages).
 */
export function structuredAsk(request: RecordedRequest): unknown {
  const json = body(request);
  if (request.api === 'anthropic') {
    const choice = json['tool_choice'] as { type?: unknown; name?: unknown } | undefined;
    if (choice?.type !== 'tool' || choice.name !== RESULT_TOOL) return undefined;
    const tools = (json['tools'] ?? []) as { name?: unknown; input_schema?: unknown }[];
    return tools.find((tool) => tool.name === RESULT_TOOL)?.input_schema;
  }
  const format = json['response_format'] as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  return format?.type === 'json_schema' ? format.json_schema?.schema : undefined;
}

/** The system text of a request: the system messages (Chat Completions) or system blocks (Messages). */
export function systemText(request: RecordedRequest): string {
  const json = body(request);
  if (request.api === 'anthropic') return ((json['system'] ?? []) as { text: string }[]).map((block) => block.text).join('\n');
  return (json['messages'] as { role: string; content: string }[]).filter((m) => m.role === 'system').map((m) => m.content).join('\n');
}

/** The user turns of a request, joined. */
export function userText(request: RecordedRequest): string {
  return (body(request)['messages'] as { role: string; content: string }[]).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
}

/** The names of the tools a request defines, in order. */
export function toolNames(request: RecordedRequest): string[] {
  const tools = (body(request)['tools'] ?? []) as { name?: string; function?: { name: string } }[];
  return tools.map((tool) => (request.api === 'anthropic' ? (tool.name ?? '') : (tool.function?.name ?? '')));
}

/** `value` as the structured answer of `request`'s API (see the file comment). */
function structuredReply(request: RecordedRequest, value: unknown): Reply {
  if (request.api !== 'anthropic') return openaiAnswer({ text: JSON.stringify(value) });
  const reply = anthropicAnswer({ blocks: [{ type: 'tool_use', id: 'toolu_result', name: RESULT_TOOL, input: value }] }) as { json: Body };
  return { json: { ...reply.json, stop_reason: 'tool_use' } };
}

/** What the coder writes every time: passes the example's verification (rejects unknown keys and bad ports). */
export const FIXED_CONFIG = `// Reads the service configuration. Unknown keys and bad ports are rejected, naming the key.
const KNOWN_KEYS = new Set(['host', 'port', 'logLevel']);

export function parseConfig(input) {
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new Error(\`unknown config keys: \${unknown.join(', ')}\`);
  const port = input.port ?? 8080;
  if (!Number.isInteger(port) || port <= 0) throw new Error('config key port must be a positive integer');
  return Object.freeze({ host: input.host ?? 'localhost', port, logLevel: input.logLevel ?? 'info' });
}
`;

/** The first plan: MT-7.2 before MT-7.1, the reverse of the work unit's order (the job's fallback). */
export const FIRST_PLAN: PlanResult = { next_micro_tasks: ['MT-7.2', 'MT-7.1'] };
export const FINDING = { file: 'src/config.js', line: 6, message: 'the port error must say which values are allowed' };
export const FAILED_REVIEW: VerdictResult = { verdict: 'fail', findings: [FINDING] };
export const PASSED_REVIEW: VerdictResult = { verdict: 'pass', findings: [] };

/**
 * The fake models of one job, for any wire format: the orchestrator plans {@link FIRST_PLAN}, then
 * the micro-task it is asked about; the coder writes {@link FIXED_CONFIG}; the validator fails the
 * job's first review with {@link FINDING} (verification passes: it is the review that sends the
 * coder back) and passes every later one.
 */
export function multiRoleStory(): ReplyHandler {
  let plans = 0;
  let reviews = 0;
  return (request) => {
    const api = request.api === 'anthropic' ? 'anthropic' : 'openai-compatible';
    const role = roleOf(request);
    const microTask = microTaskOf(request);
    if (role === 'coder') {
      return toolAnswer(api, `${microTask}: parseConfig rejects unknown keys and bad ports.`, [{ tool: 'write_file', path: 'src/config.js', content: FIXED_CONFIG }]);
    }
    if (structuredAsk(request) === undefined) return toolAnswer(api, 'Looks fine to me.', []);
    if (role === 'orchestrator') return structuredReply(request, plans++ === 0 ? FIRST_PLAN : { next_micro_tasks: [microTask] });
    if (role === 'validator') return structuredReply(request, reviews++ === 0 ? FAILED_REVIEW : PASSED_REVIEW);
    throw new Error(`no fake answer for role ${role}`);
  };
}
