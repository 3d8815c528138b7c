import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSync } from '@observable-todo/test-support/docker';
import { image } from '@observable-todo/test-support/images';
import { repoRoot } from '@observable-todo/test-support/repo';

/**
 * The two hosts' relays (compose/monitoring-host.yaml `app-host-relay`,
 * compose/app-host.yaml `monitoring-host-relay`) started by Compose from the
 * overrides, in real nginx containers (NGINX_IMAGE): a request to one of a relay's
 * aliases on the project's network reaches "the other host" (a container
 * standing in for its private address, answering on 80 and 9200).
 */

const NGINX_IMAGE = image('NGINX_IMAGE');
const docker = (...args: string[]) => dockerSync(args);
const reason =
  docker('compose', 'version').exitCode !== 0
    ? 'no `docker compose` here'
    : docker('image', 'inspect', NGINX_IMAGE).exitCode !== 0
      ? `image ${NGINX_IMAGE} is not available (run /work/shared/sandbox/images nginx)`
      : undefined;
if (reason) console.warn(`[skipped] relay tests: ${reason}`);

// The other host: one page on 80 (the app host's public port) and on 9200 (Elasticsearch's).
const STAND_IN_CONF = 'pid /tmp/n.pid; events {} http { server { listen 80; listen 9200; location / { return 200 "other host\\n"; } } }';

const cases = [
  {
    service: 'app-host-relay',
    override: 'monitoring-host.yaml',
    peerVar: 'OBSERVABLE_TODO_APP_HOST_IP',
    // The blackbox probes' target, relayed to the app host's public 80.
    reachable: 'http://frontend:8080/',
    // The API's metrics port: nothing listens there on the stand-in.
    refused: 'http://api:8000/metrics',
  },
  {
    service: 'monitoring-host-relay',
    override: 'app-host.yaml',
    peerVar: 'OBSERVABLE_TODO_MONITORING_HOST_IP',
    // Fluent Bit's output host and port (logging/fluent-bit/fluent-bit.yaml).
    reachable: 'http://elasticsearch:9200/',
    refused: undefined,
  },
] as const;

describe.skipIf(reason !== undefined).each(cases)(
  '$service in a real nginx container',
  ({ service, override, peerVar, reachable, refused }) => {
    const suffix = `${process.pid}-${service}`;
    const network = `i10-twohost-relay-net-${suffix}`;
    const peer = `i10-twohost-relay-peer-${suffix}`;
    const project = `i10-twohost-relay-${suffix}`;
    const relay = `${project}-${service}-1`;
    const compose = (ip: string, ...args: string[]) =>
      dockerSync(
        [
          'compose',
          '--env-file',
          'deploy/compose/.env',
          '-p',
          project,
          '-f',
          'compose.yaml',
          '-f',
          `deploy/terraform/compose/${override}`,
          ...args,
        ],
        {
          cwd: repoRoot,
          env: {
            OBSERVABLE_TODO_APP_HOST_IP: '10.42.1.10',
            OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20',
            ES_WRITER_PASSWORD_FILE: './secrets/es_writer_password',
            [peerVar]: ip,
          },
        },
      );
    const curl = (...args: string[]) =>
      docker('run', '--rm', '--network', `${project}_default`, '--entrypoint', 'curl', NGINX_IMAGE, ...args);

    beforeAll(() => {
      expect(docker('network', 'create', network).exitCode).toBe(0);
      const started = docker(
        'run',
        '-d',
        '--name',
        peer,
        '--network',
        network,
        '--entrypoint',
        'sh',
        NGINX_IMAGE,
        '-c',
        `printf '%s\\n' '${STAND_IN_CONF}' >/tmp/n.conf && exec nginx -e stderr -c /tmp/n.conf -g 'daemon off;'`,
      );
      expect(started.exitCode, started.stderr).toBe(0);
      const ip = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, peer).stdout.trim();
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // --no-deps: the relay alone, with its configuration, user and limits as merged by Compose.
      const up = compose(ip, 'up', '-d', '--no-deps', service);
      expect(up.exitCode, up.stderr).toBe(0);
      // The relay reaches the other host over a second network, as over the VPC.
      expect(docker('network', 'connect', network, relay).exitCode).toBe(0);
    });

    afterAll(() => {
      docker('network', 'disconnect', network, relay);
      compose('10.42.1.10', 'down', '-v');
      docker('rm', '-f', peer);
      docker('network', 'rm', network);
    });

    it('runs as nginx with every capability dropped, and `nginx -t` accepts the config Compose rendered', () => {
      const test = docker('exec', relay, 'nginx', '-e', 'stderr', '-t', '-c', '/etc/nginx/relay.conf');
      expect(test.exitCode, test.stderr).toBe(0);
      expect(test.stderr).toContain('test is successful');
      expect(docker('exec', relay, 'id', '-u').stdout.trim()).toBe('101');
      expect(docker('inspect', '-f', '{{.HostConfig.CapDrop}}', relay).stdout.trim()).toBe('[ALL]');
    });

    it(`answers ${reachable} from the other host`, async () => {
      let out = '';
      for (let i = 0; i < 20; i++) {
        const probe = curl('-fsS', '--max-time', '3', reachable);
        out = probe.stdout + probe.stderr;
        if (probe.exitCode === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(out).toBe('other host\n');
    });

    // Only where the relay has a port the stand-in does not answer (the monitoring host's relay has one port).
    if (refused !== undefined) {
      it('fails the connection (a scrape sees up 0) when nothing listens on the other host', () => {
        // Through the same network the relay answers (control), so only the refused upstream explains the failure:
        // the relay accepts, fails to connect onward and closes, which curl reports as an empty reply (52) or a reset (56).
        expect(curl('-fsS', '--max-time', '3', reachable).exitCode).toBe(0);
        const probe = curl('-sS', '--max-time', '8', refused);
        expect([52, 56], probe.stderr).toContain(probe.exitCode);
      });
    }
  },
);
