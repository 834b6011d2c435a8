import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../src/config.js';

test('fills defaults', () => {
  assert.deepEqual({ ...parseConfig({}) }, { host: 'localhost', port: 8080, logLevel: 'info' });
});

test('keeps given values', () => {
  assert.equal(parseConfig({ port: 9000 }).port, 9000);
});
