// A team's own workflows file (plain JavaScript): nothing here knows about context-packs.
import { proxyActivities } from '@temporalio/workflow';

const { composeGreeting } = proxyActivities({ startToCloseTimeout: '10 seconds' });

export async function greet(name) {
  return await composeGreeting(name);
}
