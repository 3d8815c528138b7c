import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './support/terraform.js';

/**
 * The monitoring host's relay (compose/monitoring-host.yaml, `app-host-relay`)
 * started by Compose from the override, in a real nginx:1.30 container: a
 * request to one of its aliases on the project's network reaches the "app
 * host" (another container standing in for the app host's private address).
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
// Started by Compose itself from monitoring-host.yaml, as on the monitoring host.
const project = `i10-twohost-relay-${process.pid}`;
const relay = `${project}-app-host-relay-1`;
const composeEnv = (ip: string) => ({
  ...process.env,
  OBSERVABLE_TODO_APP_HOST_IP: ip,
  OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20',
  ES_WRITER_PASSWORD_FILE: './secrets/es_writer_password',
});
const compose = (ip: string, ...args: string[]) =>
  spawnSync('docker', ['compose', '-p', project, '-f', 'compose.yaml', '-f', 'deploy/terraform/compose/monitoring-host.yaml', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: composeEnv(ip),
  });

describe.skipIf(reason !== undefined)('app-host-relay in a real nginx container', () => {
  beforeAll(() => {
    expect(docker('network', 'create', network).status).toBe(0);
    // The "app host": nginx's default page on 80, the public port the blackbox probes use.
    expect(docker('run', '-d', '--name', appHost, '--network', network, 'nginx:1.30').status).toBe(0);
    const ip = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, appHost).stdout.trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // --no-deps: the relay alone, with its configuration, user and limits as merged by Compose.
    const up = compose(ip, 'up', '-d', '--no-deps', 'app-host-relay');
    expect(up.status, up.stderr).toBe(0);
    // The relay reaches the "app host" over a second network, as over the VPC.
    expect(docker('network', 'connect', network, relay).status).toBe(0);
  });

  afterAll(() => {
    docker('network', 'disconnect', network, relay);
    compose('10.42.1.10', 'down', '-v');
    docker('rm', '-f', appHost);
    docker('network', 'rm', network);
  });

  it('runs as nginx with every capability dropped, and `nginx -t` accepts the config Compose rendered', () => {
    const test = docker('exec', relay, 'nginx', '-e', 'stderr', '-t', '-c', '/etc/nginx/relay.conf');
    expect(test.status, test.stderr).toBe(0);
    expect(test.stderr).toContain('test is successful');
    expect(docker('exec', relay, 'id', '-u').stdout.trim()).toBe('101');
    expect(docker('inspect', '-f', '{{.HostConfig.CapDrop}}', relay).stdout.trim()).toBe('[ALL]');
  });

  it("answers http://frontend:8080/ with the app host's public port 80, as the blackbox probes ask it", async () => {
    let out = '';
    for (let i = 0; i < 20; i++) {
      const probe = docker('run', '--rm', '--network', `${project}_default`, '--entrypoint', 'curl', 'nginx:1.30', '-fsS', '--max-time', '3', 'http://frontend:8080/');
      out = probe.stdout + probe.stderr;
      if (probe.status === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toContain('Welcome to nginx');
  });

  it('fails the connection (a scrape sees up 0) when nothing listens on the app host port', () => {
    const probe = docker('run', '--rm', '--network', `${project}_default`, '--entrypoint', 'curl', 'nginx:1.30', '-sS', '--max-time', '8', 'http://api:8000/metrics');
    expect(probe.status).not.toBe(0);
  });
});
