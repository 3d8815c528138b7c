import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertingRules, monitoringDir } from '@observable-todo/test-support/monitoring-files';
import { readYaml, repoRoot } from '@observable-todo/test-support/repo';

// The API as several replicas: the places that name the API's address must
// agree, since each is written in its own tool's file.

interface ScrapeConfig {
  job_name: string;
  static_configs?: unknown[];
  dns_sd_configs?: { names: string[]; type: string; port: number; refresh_interval?: string }[];
  relabel_configs?: { target_label?: string; replacement?: string; source_labels?: string[] }[];
}
interface Compose {
  services: Record<string, { environment?: Record<string, string | number>; ports?: unknown[] }>;
}

const prometheus = readYaml<{ scrape_configs: ScrapeConfig[] }>(path.join(monitoringDir, 'prometheus/prometheus.yml'));
const apiJob = prometheus.scrape_configs.find((job) => job.job_name === 'api')!;
const app = readYaml<Compose>(path.join(repoRoot, 'deploy/compose/app.yaml'));

describe('the api scrape job', () => {
  it('discovers every replica by DNS on the port the API listens on and nginx proxies to', () => {
    expect(apiJob.static_configs).toBeUndefined();
    expect(apiJob.dns_sd_configs).toEqual([expect.objectContaining({ names: ['api'], type: 'A' })]);
    const port = apiJob.dns_sd_configs![0]!.port;
    expect(Number(app.services.api!.environment!.PORT)).toBe(port);
    expect(app.services.frontend!.environment!.API_UPSTREAM).toBe(`api:${port}`);
  });

  it('labels its targets with the service that ApiDown tests for absence', () => {
    const service = apiJob.relabel_configs!.find(
      (rule) => rule.target_label === 'service' && rule.source_labels === undefined,
    )!.replacement;
    expect(service).toBeTruthy();
    const apiDown = alertingRules().find((rule) => rule.alert === 'ApiDown')!;
    // A different label here would make absent() true forever: ApiDown firing with every replica up.
    expect(apiDown.expr).toContain(`absent(up{job="api", service="${service}"})`);
  });
});

describe('the api service', () => {
  it('publishes no host port in app.yaml (the debug override does), so it scales', () => {
    expect(app.services.api!.ports).toBeUndefined();
    const debug = readYaml<Compose>(path.join(repoRoot, 'deploy/compose/debug.yaml'));
    expect(debug.services.api!.ports).toEqual(['127.0.0.1:${API_PORT:-8000}:8000']);
  });
});
