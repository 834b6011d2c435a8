/** Minimal workflows proving the real server, worker, Updates and replay work end to end. */
import * as wf from '@temporalio/workflow';
import { z } from 'zod';

export const setGreeting = wf.defineUpdate<string, [string]>('setGreeting');
export const finish = wf.defineSignal('finish');

export async function echoWorkflow(text: string): Promise<string> {
  return `echo: ${text}`;
}

/** Holds a greeting an Update may change; the validator refuses empty greetings. */
export async function greetingWorkflow(initial: string): Promise<string> {
  let greeting = initial;
  let done = false;
  wf.setHandler(
    setGreeting,
    (next) => {
      const previous = greeting;
      greeting = next;
      return previous;
    },
    {
      validator: (next) => {
        if (next.trim() === '') throw new Error('greeting must not be empty');
      },
    },
  );
  wf.setHandler(finish, () => {
    done = true;
  });
  await wf.condition(() => done);
  return greeting;
}

/**
 * A user's own zod use inside a workflow, on a bundle that preloads zod (the plugin's default): its
 * schemas are built per workflow on the shared library, so defaults, refinements and error messages
 * work as they do outside the sandbox.
 */
export async function userZodWorkflow(input: unknown): Promise<{ ok: boolean; value?: unknown; issues?: string[] }> {
  const Order = z.strictObject({
    id: z.string().regex(/^o-\d+$/),
    items: z.array(z.strictObject({ sku: z.string().min(1), qty: z.number().int().positive() })).min(1),
    note: z.string().default(''),
    priority: z.enum(['low', 'high']).optional(),
  }).refine((order) => order.items.length <= 3 || order.priority === 'high', { error: 'more than 3 items needs priority high', path: ['priority'] });
  const parsed = Order.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}
