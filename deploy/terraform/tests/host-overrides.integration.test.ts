import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/terraform.js';
import { spawnSync } from 'node:child_process';

/**
 * The per-host override files merged with compose.yaml by Compose itself
 * (`docker compose config`), as observable-todo.service runs them: what each
 * host publishes where, and where the monitoring host's Prometheus finds the
 * app host's targets.
 */

const APP_IP = '10.42.1.10';
const composeOk = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
if (!composeOk) console.warn('[skipped] host override tests: no `docker compose` here');

interface Port {
  host_ip?: string;
  published?: string;
  target: number;
}
interface Config {
  services: Record<string, { ports?: Port[]; extra_hosts?: string[] | Record<string, string[] | string> }>;
}

function config(override: string, env: Record<string, string> = { OBSERVABLE_TODO_APP_HOST_IP: APP_IP }): { code: number | null; config?: Config; stderr: string } {
  const run = spawnSync(
    'docker',
    ['compose', '-p', 'override-check', '-f', 'compose.yaml', '-f', `deploy/terraform/compose/${override}`, 'config', '--format', 'json'],
    // Only what deploy.sh writes into .env: none of the developer's port variables.
    { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
  );
  return { code: run.status, stderr: run.stderr, config: run.status === 0 ? (JSON.parse(run.stdout) as Config) : undefined };
}

/** Every published port as host_ip:published->target, per service. */
function published(c: Config): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(c.services)
      .map(([name, s]) => [name, (s.ports ?? []).map((p) => `${p.host_ip ?? '0.0.0.0'}:${p.published}->${p.target}`).sort()] as const)
      .filter(([, ports]) => ports.length > 0),
  );
}

const LOOPBACK_ONLY = {
  alertmanager: ['127.0.0.1:9093->9093'],
  elasticsearch: ['127.0.0.1:9200->9200'],
  'fluent-bit': ['127.0.0.1:2020->2020'],
  grafana: ['127.0.0.1:3000->3000'],
  kibana: ['127.0.0.1:5601->5601'],
  prometheus: ['127.0.0.1:9090->9090'],
};

describe.skipIf(!composeOk)('host overrides merged by docker compose config', () => {
  it('single host: only the frontend is published beyond 127.0.0.1, on 0.0.0.0:80', () => {
    const result = config('single-host.yaml', {});
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({
      ...LOOPBACK_ONLY,
      frontend: ['0.0.0.0:80->8080', '127.0.0.1:8080->8080'],
    });
  });

  it('app host: the scraped ports on the private address only, the frontend on 80', () => {
    const result = config('app-host.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({
      ...LOOPBACK_ONLY,
      api: [`${APP_IP}:8000->8000`],
      frontend: ['0.0.0.0:80->8080', '127.0.0.1:8080->8080'],
      'node-exporter': [`${APP_IP}:9100->9100`],
      'postgres-exporter': [`${APP_IP}:9187->9187`],
    });
  });

  it("monitoring host: publishes nothing new; Prometheus resolves the app host's targets to its private address", () => {
    const result = config('monitoring-host.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({ ...LOOPBACK_ONLY, frontend: ['127.0.0.1:8080->8080'] });
    const hosts = result.config!.services.prometheus!.extra_hosts!;
    const entries = Array.isArray(hosts) ? hosts : Object.entries(hosts).flatMap(([h, ips]) => [ips].flat().map((ip) => `${h}=${ip}`));
    expect(entries.map((e) => e.replace(':', '=')).sort()).toEqual([`api=${APP_IP}`, `node-exporter=${APP_IP}`, `postgres-exporter=${APP_IP}`]);
  });

  it.each(['app-host.yaml', 'monitoring-host.yaml'])('%s refuses to start without the address deploy.sh writes', (override) => {
    const result = config(override, {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('set by deploy.sh');
  });
});
