import { describe, expect, it } from 'vitest';
import { repoRoot } from '@observable-todo/test-support/repo';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * The per-host override files merged with compose.yaml by Compose itself
 * (`docker compose config`), as observable-todo.service runs them: what each
 * host publishes where, and where the monitoring host's Prometheus finds the
 * app host's targets.
 */

const APP_IP = '10.42.1.10';
const MONITORING_IP = '10.42.1.20';
// deploy.sh writes the SSM secret's file and this line (compose/es-writer-password.yaml).
const SHARED_SECRET = { ES_WRITER_PASSWORD_FILE: './secrets/es_writer_password' };
const BOTH = { OBSERVABLE_TODO_APP_HOST_IP: APP_IP, OBSERVABLE_TODO_MONITORING_HOST_IP: MONITORING_IP, ...SHARED_SECRET };
const composeOk = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
if (!composeOk) console.warn('[skipped] host override tests: no `docker compose` here');

interface Port {
  host_ip?: string;
  published?: string;
  target: number;
}
interface Service {
  restart?: string;
  deploy?: { resources?: { limits?: { memory?: string | number } } };
  ports?: Port[];
  depends_on?: Record<string, unknown>;
  networks?: Record<string, { aliases?: string[] } | null>;
  configs?: { source: string; target: string }[];
  profiles?: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  environment?: Record<string, string | null>;
}
interface Config {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string }>;
}

function config(override: string, env: Record<string, string> = BOTH): { code: number | null; config?: Config; stderr: string } {
  const run = spawnSync(
    'docker',
    // --env-file as observable-todo.service passes it: the image versions (deploy.sh's .env is `env` here).
    [
      'compose',
      '--env-file',
      'deploy/compose/.env',
      '-p',
      'override-check',
      '-f',
      'compose.yaml',
      '-f',
      `deploy/terraform/compose/${override}`,
      'config',
      '--format',
      'json',
    ],
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

/** The services deploy.sh starts per role (its `services="..."` lines), read from the script itself. */
function hostServices(): Record<'app' | 'monitoring', string[]> {
  const script = readFileSync(path.join(repoRoot, 'deploy/terraform/files/deploy.sh'), 'utf8');
  const role = (name: string): string[] => {
    const match = new RegExp(`\\n  ${name}\\)\\n[^\\n]*\\n    services="([^"]*)"`).exec(script);
    if (!match) throw new Error(`deploy.sh has no services line for ${name}`);
    return match[1]!.split(/\s+/).filter(Boolean);
  };
  return { app: role('app'), monitoring: role('monitoring') };
}

/** What `docker compose up <services>` starts: the services and everything they depend on. */
function closure(c: Config, services: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of Object.keys(c.services[name]?.depends_on ?? {})) visit(dep);
  };
  services.forEach(visit);
  return seen;
}

/** host:port of every target monitoring/prometheus/prometheus.yml scrapes or probes, with its job. */
function prometheusTargets(): { job: string; host: string; port: number }[] {
  type Job = {
    job_name: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; port: number }[];
    relabel_configs?: { target_label?: string; replacement?: string }[];
  };
  const prom = parseYaml(readFileSync(path.join(repoRoot, 'monitoring/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: Job[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  };
  const hostPort = (job: string, target: string): { job: string; host: string; port: number } => {
    const url = new URL(target.includes('://') ? target : `http://${target}`);
    return { job, host: url.hostname, port: Number(url.port || 80) };
  };
  const out = prom.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets.map((t) => hostPort('alerting', t))));
  for (const job of prom.scrape_configs) {
    for (const s of job.static_configs ?? []) out.push(...s.targets.map((t) => hostPort(job.job_name, t)));
    for (const d of job.dns_sd_configs ?? []) out.push(...d.names.map((n) => ({ job: job.job_name, host: n, port: d.port })));
    for (const r of job.relabel_configs ?? [])
      if (r.target_label === '__address__' && r.replacement) out.push(hostPort(job.job_name, r.replacement));
  }
  return out.filter((t) => t.host !== 'localhost');
}

/** Listen port -> upstream of a relay's stream config. */
function relayRoutes(content: string): Record<number, string> {
  return Object.fromEntries([...content.matchAll(/listen (\d+); proxy_pass ([^;]+);/g)].map((m) => [Number(m[1]), m[2]!]));
}

describe.skipIf(!composeOk)('host overrides merged by docker compose config', () => {
  it('single host: only the frontend is published beyond 127.0.0.1, on 0.0.0.0:80', () => {
    const result = config('single-host.yaml', {});
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({
      ...LOOPBACK_ONLY,
      frontend: ['0.0.0.0:80->8080', '127.0.0.1:8080->8080'],
    });
  });

  it.each([
    ['single-host.yaml', {}],
    ['app-host.yaml', BOTH],
    ['monitoring-host.yaml', BOTH],
  ])('%s: every service logs to rotated json-file with the service label Fluent Bit ships', (override, env) => {
    const result = config(override, env);
    expect(result.code, result.stderr).toBe(0);
    const without = Object.entries(result.config!.services)
      .filter(
        ([, s]) =>
          s.logging?.driver !== 'json-file' ||
          s.logging.options?.labels !== 'com.docker.compose.service' ||
          s.logging.options['max-size'] === undefined,
      )
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  it.each([
    ['single-host.yaml', {}],
    ['monitoring-host.yaml', BOTH],
  ])('%s: with the ES_ALLOW_MMAP=true deploy.sh writes, Elasticsearch maps its files and the preflight checks for it', (override, env) => {
    const result = config(override, { ...env, ES_ALLOW_MMAP: 'true' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.config!.services.elasticsearch!.environment!['node.store.allow_mmap']).toBe('true');
    expect(result.config!.services['logging-preflight']!.environment).toEqual({ ES_ALLOW_MMAP: 'true' });
  });

  it("app host: the monitoring host's ports on the private address only, the frontend on 80", () => {
    const result = config('app-host.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({
      ...LOOPBACK_ONLY,
      api: [`${APP_IP}:8000->8000`],
      'fluent-bit': [`${APP_IP}:2020->2020`, '127.0.0.1:2020->2020'],
      frontend: ['0.0.0.0:80->8080', '127.0.0.1:8080->8080'],
      'nginx-exporter': [`${APP_IP}:9113->9113`],
      'node-exporter': [`${APP_IP}:9100->9100`],
      'postgres-exporter': [`${APP_IP}:9187->9187`],
    });
  });

  it("monitoring host: publishes Elasticsearch's 9200 on its private address and nothing else new", () => {
    const result = config('monitoring-host.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(published(result.config!)).toEqual({
      ...LOOPBACK_ONLY,
      elasticsearch: [`${MONITORING_IP}:9200->9200`, '127.0.0.1:9200->9200'],
      frontend: ['127.0.0.1:8080->8080'],
    });
  });

  it('every compose service runs on exactly one host (the secrets jobs on both), dependencies included', () => {
    const hosts = hostServices();
    const app = config('app-host.yaml').config!;
    const monitoring = config('monitoring-host.yaml').config!;
    const onApp = closure(app, hosts.app);
    const onMonitoring = closure(monitoring, hosts.monitoring);
    const shared = [...onApp].filter((s) => onMonitoring.has(s));
    expect(shared.sort()).toEqual(['es-writer-password-seed', 'secrets-init']);
    // Every service of the stack (less opt-in profiles such as the k6 load test) somewhere.
    const stack = Object.entries(config('single-host.yaml', {}).config!.services)
      .filter(([, s]) => !s.profiles?.length)
      .map(([name]) => name);
    const placed = new Set([...onApp, ...onMonitoring]);
    expect(
      stack.filter((s) => !placed.has(s)),
      'services on neither host',
    ).toEqual([]);
    // The relays are each host's own.
    expect(onApp.has('monitoring-host-relay') && onMonitoring.has('app-host-relay')).toBe(true);
  });

  it("monitoring host: every prometheus.yml target resolves there, the app host's through the relay to their published port", () => {
    const hosts = hostServices();
    const monitoring = config('monitoring-host.yaml').config!;
    const local = closure(monitoring, hosts.monitoring);
    const relay = monitoring.services['app-host-relay'];
    expect(relay, 'app-host-relay').toBeDefined();
    const aliases = relay!.networks?.default?.aliases ?? [];
    const routes = relayRoutes(monitoring.configs?.['app-host-relay']?.content ?? '');
    const appPublished = published(config('app-host.yaml').config!);
    const unresolved: string[] = [];
    for (const { job, host, port } of prometheusTargets()) {
      if (local.has(host)) {
        expect(aliases, `${host} runs on the monitoring host and must not be relayed`).not.toContain(host);
        continue;
      }
      if (!aliases.includes(host)) {
        unresolved.push(`${job}: ${host}:${port}`);
        continue;
      }
      const upstream = routes[port];
      expect(upstream, `relay listens on ${port} for ${host}`).toBeDefined();
      const [ip, upstreamPort] = upstream!.split(':');
      expect(ip).toBe(APP_IP);
      // The app host publishes that port on an address the relay reaches.
      const service = host === 'frontend' ? 'frontend' : host;
      expect(appPublished[service], `${service} on the app host`).toEqual(
        expect.arrayContaining([expect.stringMatching(new RegExp(`^(0\\.0\\.0\\.0|${APP_IP.replaceAll('.', '\\.')}):${upstreamPort}->`))]),
      );
    }
    expect(unresolved, 'names Prometheus cannot resolve on the monitoring host').toEqual([]);
    // No route the targets do not use.
    const used = new Set(
      prometheusTargets()
        .filter((t) => aliases.includes(t.host))
        .map((t) => t.port),
    );
    expect(Object.keys(routes).map(Number).sort()).toEqual([...used].sort());
  });

  it("app host: Fluent Bit's `elasticsearch` is the relay to the monitoring host's 9200, and nothing of Elasticsearch starts there", () => {
    const app = config('app-host.yaml').config!;
    const onApp = closure(app, hostServices().app);
    for (const s of ['elasticsearch', 'elasticsearch-setup', 'logging-preflight', 'kibana']) expect(onApp.has(s), s).toBe(false);
    expect(Object.keys(app.services['fluent-bit']!.depends_on ?? {}).sort()).toEqual(['monitoring-host-relay', 'secrets-init']);
    const fluentBit = readFileSync(path.join(repoRoot, 'logging/fluent-bit/fluent-bit.yaml'), 'utf8');
    const output = /\n\s+host: (\S+)\n\s+port: (\d+)/.exec(fluentBit);
    expect(output?.slice(1)).toEqual(['elasticsearch', '9200']);
    expect(app.services['monitoring-host-relay']!.networks?.default?.aliases).toEqual(['elasticsearch']);
    expect(relayRoutes(app.configs?.['monitoring-host-relay']?.content ?? '')).toEqual({ 9200: `${MONITORING_IP}:9200` });
  });

  it.each(['app-host.yaml', 'monitoring-host.yaml'])('%s refuses to start without the addresses deploy.sh writes', (override) => {
    const partial: Record<string, string>[] = [
      SHARED_SECRET,
      { OBSERVABLE_TODO_APP_HOST_IP: APP_IP, ...SHARED_SECRET },
      { OBSERVABLE_TODO_MONITORING_HOST_IP: MONITORING_IP, ...SHARED_SECRET },
    ];
    for (const env of partial) {
      const result = config(override, env);
      expect(result.code, JSON.stringify(env)).not.toBe(0);
      expect(result.stderr).toContain('set by deploy.sh');
    }
  });
});
