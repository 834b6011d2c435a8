/**
 * No Docker engine runs here, so the compose file is checked as data: services, pinned tags,
 * published ports, healthchecks, start order and every search attribute the plugin writes.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CTXPACK_SEARCH_ATTRIBUTES, searchAttributeFlags } from '../../shared/core/search-attributes.js';

interface Service {
  image?: string;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
  profiles?: string[];
  restart?: string;
}
const compose = parse(readFileSync(new URL('../../docker-compose.temporal.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.temporal.yml', () => {
  it('has the Temporal server, PostgreSQL, Web UI, admin tools, search-attribute setup and MinIO', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'temporal-admin-tools', 'temporal-search-attributes', 'minio', 'worker']),
    );
    expect(services['temporal']?.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  it('pins every image to an exact tag (no latest, no bare major)', () => {
    for (const [name, service] of Object.entries(services)) {
      const tag = service.image?.split(':')[1];
      expect(tag, name).toBeDefined();
      expect(tag, name).not.toBe('latest');
      expect(tag, `${name} must pin at least major.minor`).toMatch(/\d+\.\d+|RELEASE\.\d{4}-\d{2}-\d{2}/);
    }
  });

  it('publishes the frontend (7233) and the Web UI (8080)', () => {
    expect(services['temporal']?.ports).toContain('7233:7233');
    expect(services['temporal-ui']?.ports).toContain('8080:8080');
  });

  it('has a healthcheck on every long-running service and starts Temporal after a healthy database', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no') continue;
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
    expect(services['temporal']?.depends_on?.['postgresql']?.condition).toBe('service_healthy');
    expect(services['temporal-ui']?.depends_on?.['temporal']?.condition).toBe('service_healthy');
  });

  it('registers every search attribute the plugin writes, with its type', () => {
    const command = [services['temporal-search-attributes']?.command ?? []].flat().join(' ');
    expect(searchAttributeFlags()).toHaveLength(CTXPACK_SEARCH_ATTRIBUTES.length);
    for (const flag of searchAttributeFlags()) expect(command).toContain(flag);
  });

  it('keeps the worker template opt-in and points it at the cluster and the shared store', () => {
    const worker = services['worker'];
    expect(worker?.profiles).toEqual(['workers']);
    expect(JSON.stringify(worker)).toContain('TEMPORAL_ADDRESS');
    expect(JSON.stringify(worker)).toContain('s3://ctxpack/packs');
  });
});
