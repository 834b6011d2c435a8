/**
 * The deterministic scripted provider: answers from a script file in the workspace, for tests and
 * the demo. The first rule whose `when` matches (every given field equal) answers; a rule may also
 * fail like a real provider would.
 *
 *     schema_version: 1
 *     responses:
 *       - when: { micro_task: MT-7.1, model: tiny-coder-1b }
 *         text: ...
 *         tool_calls: [{ tool: write_file, path: src/config.js, content: ... }]
 *       - when: { role: validator }
 *         result: { verdict: pass, findings: [] }
 *       - when: { model: flaky-model }
 *         fail: unavailable
 */
import { Context, heartbeat } from '@temporalio/activity';
import { z } from 'zod';
import { WorkspacePath } from '../../shared/core/schema/common.js';
import { parseOrThrow } from '../../shared/core/schema/parse.js';
import { countTokens } from '../../shared/engine/tokens.js';
import { ProviderError, type ModelProvider, type ModelRequest, type ModelResponse } from './model-provider.js';

export const ScriptFile = z.strictObject({
  schema_version: z.literal(1),
  responses: z.array(
    z.strictObject({
      when: z
        .strictObject({
          micro_task: z.string().optional(),
          model: z.string().optional(),
          role: z.string().optional(),
          iteration: z.number().int().min(1).optional(),
        })
        .default({}),
      text: z.string().default(''),
      tool_calls: z
        .array(z.strictObject({ tool: z.string(), path: z.string().optional(), content: z.string().optional() }))
        .default([]),
      fail: z.enum(['unavailable', 'rate-limited', 'bad-response', 'timeout']).optional(),
      /**
       * The structured result this step answers with, for a role that declares one (any JSON: a
       * script may answer a result that breaks the schema, to test the rejection).
       */
      result: z.json().optional(),
      /**
       * Answer only once this workspace file exists: lets a test hold a job mid-iteration (to swap,
       * restart a worker...) and release it, without timing guesses.
       */
      wait_for: WorkspacePath.optional(),
      /** How long to wait for `wait_for` before failing like a timed-out provider. Default 120. */
      wait_timeout_seconds: z.number().int().min(1).max(86_400).optional(),
      /**
       * Answer after this many seconds, heartbeating like a slow model: lets a test find the call in
       * flight on a worker that has no workspace (where `wait_for` cannot look), e.g. to kill it.
       */
      delay_seconds: z.number().min(0).max(3_600).optional(),
    }),
  ),
});
export type ScriptFile = z.infer<typeof ScriptFile>;

export class ScriptedProvider implements ModelProvider {
  private readonly script: ScriptFile;

  constructor(
    readonly id: string,
    script: unknown,
    scriptName: string,
    /** Resolves `wait_for` paths; without it, `wait_for` rules are refused. */
    private readonly exists?: (workspacePath: string) => Promise<boolean>,
  ) {
    this.script = parseOrThrow(ScriptFile, script, scriptName);
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const rule = this.script.responses.find(
      ({ when }) =>
        (when.micro_task === undefined || when.micro_task === request.context.microTask) &&
        (when.model === undefined || when.model === request.model) &&
        (when.role === undefined || when.role === request.context.role) &&
        (when.iteration === undefined || when.iteration === request.context.iteration),
    );
    if (!rule) {
      throw new ProviderError(`scripted provider ${this.id} has no response for ${request.context.microTask} on ${request.model}`, 'bad-response', false);
    }
    if (rule.wait_for !== undefined) await this.waitFor(rule.wait_for, (rule.wait_timeout_seconds ?? 120) * 1000);
    if (rule.delay_seconds !== undefined) await this.delay(rule.delay_seconds * 1000);
    if (rule.fail) throw new ProviderError(`scripted ${rule.fail} from ${this.id}`, rule.fail, rule.fail !== 'bad-response');
    const input = request.messages.reduce((sum, m) => sum + countTokens(m.content), 0);
    return {
      text: rule.text,
      toolCalls: rule.tool_calls.map((call) => ({
        tool: call.tool,
        ...(call.path !== undefined ? { path: call.path } : {}),
        ...(call.content !== undefined ? { content: call.content } : {}),
      })),
      ...(request.resultSchema ? { result: rule.result !== undefined ? { value: rule.result } : { problem: 'the script step gives no result' } } : {}),
      usage: { inputTokens: input, outputTokens: countTokens(rule.text) },
      providerModel: request.model,
    };
  }

  private async delay(ms: number): Promise<void> {
    const until = Date.now() + ms;
    const signal = cancellationSignal();
    while (Date.now() < until) {
      if (signal?.aborted) throw new ProviderError(`scripted provider ${this.id}: cancelled while answering`, 'unavailable', true);
      heartbeatIfInActivity();
      await pause(Math.min(HEARTBEAT_EVERY_MS, until - Date.now()), signal);
    }
  }

  private async waitFor(file: string, limitMs: number): Promise<void> {
    if (!this.exists) {
      throw new ProviderError(
        `scripted provider ${this.id} cannot wait for ${file}: this worker does not have the workspace (wait_for needs it; use delay_seconds)`,
        'bad-response',
        false,
      );
    }
    const deadline = Date.now() + limitMs;
    const signal = cancellationSignal();
    // Back off from 25 ms to 1 s: hundreds of held calls polling every 50 ms (each a path check and
    // a heartbeat) were most of a loaded worker's main thread, slowing every other activity on it.
    let interval = 25;
    while (!(await this.exists(file))) {
      if (Date.now() > deadline) throw new ProviderError(`scripted provider ${this.id} waited too long for ${file}`, 'timeout', false);
      if (signal?.aborted) throw new ProviderError(`scripted provider ${this.id}: cancelled while waiting`, 'unavailable', true);
      // Heartbeat so a worker that dies while waiting is noticed quickly, and cancellation arrives.
      heartbeatIfInActivity();
      await pause(Math.min(interval, Math.max(1, deadline - Date.now())), signal);
      interval = Math.min(interval * 2, HEARTBEAT_EVERY_MS);
    }
  }
}

/** The longest pause between heartbeats while waiting (activities' heartbeat timeout is 10 s). */
const HEARTBEAT_EVERY_MS = 1_000;

/** Sleeps `ms`, waking early when the activity is cancelled (the caller then sees `signal.aborted`). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

function heartbeatIfInActivity(): void {
  try {
    heartbeat();
  } catch {
    // Not inside an activity (e.g. a direct call in a test): nothing to heartbeat.
  }
}
