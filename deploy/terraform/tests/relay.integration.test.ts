import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './support/terraform.js';

/**
 * The monitoring host's relay (compose/monitoring-host.yaml, `app-host-relay`)
 * in a real nginx:1.30 container, configured exactly as Compose renders it and
 * run with the service's own user, read-only root and entrypoint: a request to
 * one of its aliases reaches the "app host" (here another container standing in
 * for the app host's private address).
 */

const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });
const reason =
  docker('compose', 'version').status !== 0
    ? 'no `docker compose` here'
    : docker('image', 'inspect', 'nginx:1.30').status !== 0
      ? 'image nginx:1.30 is not available (run /work/shared/sandbox/images nginx)'
      : undefined;
if (reason) console.warn(`[skipped] relay test: ${reason}`);

const suffix = `${process.pid}-${Date.now()}`;
const network = `relay-test-${suffix}`;
const appHost = `relay-test-app-${suffix}`;
const relay = `relay-test-relay-${suffix}`;
let dir = '';

interface Service {
  entrypoint: string[];
  user: string;
  read_only: boolean;
  tmpfs: string[];
  cap_drop: string[];
  configs: { source: string; target: string }[];
  networks: { default: { aliases: string[] } };
}

describe.skipIf(reason !== undefined)('app-host-relay in a real nginx container', () => {
  let service: Service;

  beforeAll(() => {
    expect(docker('network', 'create', network).status).toBe(0);
    // The "app host": nginx's default page on 80, the public port the blackbox probes use.
    expect(docker('run', '-d', '--name', appHost, '--network', network, 'nginx:1.30').status).toBe(0);
    const ip = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, appHost).stdout.trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const rendered = spawnSync(
      'docker',
      ['compose', '-p', 'relay-check', '-f', 'compose.yaml', '-f', 'deploy/terraform/compose/monitoring-host.yaml', 'config', '--format', 'json'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OBSERVABLE_TODO_APP_HOST_IP: ip, OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20' },
      },
    );
    expect(rendered.status, rendered.stderr).toBe(0);
    const config = JSON.parse(rendered.stdout) as { services: Record<string, Service>; configs: Record<string, { content: string }> };
    service = config.services['app-host-relay']!;
    dir = mkdtempSync(path.join(tmpdir(), 'relay-'));
    const file = path.join(dir, 'relay.conf');
    writeFileSync(file, config.configs[service.configs[0]!.source]!.content);
    chmodSync(file, 0o644);
    chmodSync(dir, 0o755);
    const [entrypoint, ...args] = service.entrypoint;
    const run = docker(
      'run', '-d', '--name', relay, '--network', network,
      ...service.networks.default.aliases.flatMap((a) => ['--network-alias', a]),
      '--user', service.user, '--read-only', ...service.tmpfs.flatMap((t) => ['--tmpfs', t]),
      ...service.cap_drop.flatMap((c) => ['--cap-drop', c]), '--security-opt', 'no-new-privileges:true',
      '-v', `${file}:${service.configs[0]!.target}:ro`,
      '--entrypoint', entrypoint!, 'nginx:1.30', ...args,
    );
    expect(run.status, run.stderr).toBe(0);
  });

  afterAll(() => {
    docker('rm', '-f', relay, appHost);
    docker('network', 'rm', network);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs as nginx on a read-only root with every capability dropped, and `nginx -t` accepts the rendered config', () => {
    const test = docker('exec', relay, 'nginx', '-e', 'stderr', '-t', '-c', service.configs[0]!.target);
    expect(test.status, test.stderr).toBe(0);
    expect(test.stderr).toContain('test is successful');
    expect(docker('exec', relay, 'id', '-u').stdout.trim()).toBe('101');
  });

  it("answers http://frontend:8080/ with the app host's public port 80, as the blackbox probes ask it", async () => {
    let out = '';
    for (let i = 0; i < 20; i++) {
      const probe = docker('run', '--rm', '--network', network, '--entrypoint', 'curl', 'nginx:1.30', '-fsS', '--max-time', '3', 'http://frontend:8080/');
      out = probe.stdout + probe.stderr;
      if (probe.status === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toContain('Welcome to nginx');
  });

  it('fails the connection (a scrape sees up 0) when nothing listens on the app host port', () => {
    const probe = docker('run', '--rm', '--network', network, '--entrypoint', 'curl', 'nginx:1.30', '-sS', '--max-time', '8', 'http://api:8000/metrics');
    expect(probe.status).not.toBe(0);
  });
});
