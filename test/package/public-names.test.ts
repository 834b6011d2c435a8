/** The entry points export exactly the pinned names (see public-names.ts), from the sources. */
import { describe, expect, it } from 'vitest';
import * as main from '../../index.js';
import * as workflow from '../../workflow.js';
import { PUBLIC_NAMES, WORKFLOW_NAMES } from './public-names.js';

describe('the public entry points', () => {
  it('`context-packs` exports exactly the pinned names', () => {
    expect(Object.keys(main).sort()).toEqual([...PUBLIC_NAMES].sort());
  });

  it('`context-packs/workflow` exports exactly the pinned names, all of them also on the main entry', () => {
    expect(Object.keys(workflow).sort()).toEqual([...WORKFLOW_NAMES].sort());
    for (const name of WORKFLOW_NAMES) expect(main[name], name).toBe(workflow[name]);
  });

  it('gives workspace queues their documented names', () => {
    expect(main.workspaceTaskQueue('demo')).toBe('context-packs.workspace.demo');
    expect(main.workspaceTaskQueue('demo', 'team-q')).toBe('team-q.workspace.demo');
  });
});
