/** Minimal workflows proving the real server, worker, Updates and replay work end to end. */
import * as wf from '@temporalio/workflow';

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
