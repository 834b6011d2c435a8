/** The package entry (`index.ts`, package.json `exports`) offers what the README tells users to import. */
import { describe, expect, it } from 'vitest';
import * as api from '../../index.js';

describe('the public entry point', () => {
  it('exports the worker, client, store and pack-core pieces the README uses', () => {
    for (const name of [
      'contextPacksPlugin',
      'createContextPacksWorker',
      'createContextPacksWorkers',
      'workspaceTaskQueue',
      'createActivities',
      'defaultProviderFactory',
      'governedJob',
      'requestModelSwap',
      'modelSwap',
      'grantCloudConsent',
      'packState',
      'readPackState',
      'openPackStore',
      'FilePackStore',
      'S3PackStore',
      'assemblePacks',
      'canonicalJson',
      'hashCanonical',
      'verifyPackBytes',
      'jsonSchemas',
    ]) {
      expect(api, name).toHaveProperty(name);
    }
    expect(api.workspaceTaskQueue('demo')).toBe('context-packs.workspace.demo');
    expect(api.workspaceTaskQueue('demo', 'team-q')).toBe('team-q.workspace.demo');
  });
});
