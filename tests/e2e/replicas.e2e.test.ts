import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { docker } from '@observable-todo/test-support/docker';
import { mappedUrl, startStack, stopStack } from '@observable-todo/test-support/compose-stack';
import { repoRoot } from '@observable-todo/test-support/repo';
import { generateMonitoringConfigs, withoutTimings, type GeneratedConfigs } from './support/monitoring-configs.js';
import { PrometheusClient } from '@observable-todo/test-support/prometheus-client';

/**
 * `docker compose up --scale api=2`: nginx spreads requests over both replicas
 * and keeps answering when one is stopped, Prometheus discovers each replica by
 * DNS, and losing one replica warns (ApiReplicaDown) without paging ApiDown.
 * Only the services this needs run; Prometheus gets the shortened copy of
 * prometheus.yml (compose/replicas.override.yaml). The tests share one stack
 * and run in order.
 */

const REPLICAS = ['api-1', 'api-2'];
const MINUTE = 60_000;
/** How long nginx caches the API's DNS answer: `resolver ... valid=` in its template. */
const RESOLVER_VALID_MS =
  Number(
    /^\s*resolver \S+ valid=(\d+)s/m.exec(
      readFileSync(join(repoRoot, 'services/frontend/nginx/templates/default.conf.template'), 'utf8'),
    )![1],
  ) * 1000;

const execFileAsync = promisify(execFile);

/** The merged compose configuration as `docker compose config` prints it, with the port variables unset. */
async function composeConfig(
  ...files: string[]
): Promise<{ services: Record<string, { ports?: { host_ip?: string; published?: string; target: number }[] }> }> {
  const env = { ...process.env };
  delete env.API_PORT;
  const args = [
    'compose',
    '-p',
    'replicas-config-check',
    ...files.flatMap((file) => ['-f', join(repoRoot, file)]),
    'config',
    '--format',
    'json',
  ];
  const { stdout } = await execFileAsync('docker', args, { env, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Awaited<ReturnType<typeof composeConfig>>;
}

describe('the compose files', () => {
  it('publish no host port for the api service, so --scale api=N cannot collide on one', async () => {
    const config = await composeConfig('compose.yaml');
    expect(config.services.api?.ports ?? []).toEqual([]);
  });

  it('publish the API on 127.0.0.1 only with the debug override (deploy/compose/debug.yaml)', async () => {
    const config = await composeConfig('compose.yaml', 'deploy/compose/debug.yaml');
    expect(config.services.api?.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', published: '8000', target: 8000 })]);
  });
});

describe('two API replicas behind nginx', () => {
  let configs: GeneratedConfigs;
  let stack: StartedDockerComposeEnvironment;
  let edge: string;
  let prometheus: PrometheusClient;
  const addresses = new Map<string, string>();

  function seconds(since: number): string {
    return `${((Date.now() - since) / 1000).toFixed(1)} s`;
  }

  async function containerAddress(container: string): Promise<string> {
    const id = stack.getContainer(container).getId();
    return (await docker('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id)).trim();
  }

  async function apiTargets(): Promise<{ instance: string; health: string }[]> {
    return (await prometheus.targets())
      .filter((target) => target.labels.job === 'api')
      .map((target) => ({ instance: target.labels.instance!, health: target.health }));
  }

  beforeAll(async () => {
    const started = Date.now();
    // The generated copy also writes webhook secrets and an Alertmanager copy; neither is used here.
    const unused = 'http://127.0.0.1:9/unused';
    configs = generateMonitoringConfigs({ slackPager: unused, slackAlerts: unused, heartbeat: unused });
    stack = await startStack({
      files: ['compose.yaml', 'tests/e2e/compose/replicas.override.yaml'],
      // api by name: frontend no longer depends on it (the UI starts without the API).
      services: ['api', 'frontend', 'prometheus'],
      scale: { api: REPLICAS.length },
      env: { E2E_PROMETHEUS_CONFIG: configs.prometheus },
    });
    edge = mappedUrl(stack, 'frontend-1', 8080);
    prometheus = new PrometheusClient(mappedUrl(stack, 'prometheus-1', 9090));
    for (const replica of REPLICAS) addresses.set(replica, await containerAddress(replica));
    console.log(
      `[replicas] stack with ${REPLICAS.length} API replicas up in ${seconds(started)}: ${JSON.stringify(Object.fromEntries(addresses))}`,
    );
  });

  afterAll(async () => {
    await stopStack(stack);
  });

  it('runs on the shipped prometheus.yml, only its intervals shortened', () => {
    expect(withoutTimings(configs.generated.prometheus)).toEqual(withoutTimings(configs.original.prometheus));
  });

  it('runs two healthy replicas without a host port', async () => {
    for (const replica of REPLICAS) {
      const id = stack.getContainer(replica).getId();
      expect((await docker('inspect', '--format', '{{.State.Health.Status}}', id)).trim()).toBe('healthy');
      expect(JSON.parse(await docker('inspect', '--format', '{{json .HostConfig.PortBindings}}', id))).toEqual({});
    }
    expect(new Set(addresses.values()).size).toBe(REPLICAS.length);
  });

  it('spreads requests through nginx over both replicas', async () => {
    const requestIds: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const response = await fetch(`${edge}/api/todos?limit=1`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      requestIds.push(response.headers.get('x-request-id')!);
    }
    // nginx's request id reaches the API (X-Request-Id) and is in the replica's log line;
    // lines reach stdout in batches, at the latest LOG_FLUSH_INTERVAL_MS (100 ms) after they are written.
    const served = await pollUntil(
      async () => {
        const counts = new Map<string, number>();
        for (const replica of REPLICAS) {
          const logs = await docker('logs', stack.getContainer(replica).getId());
          counts.set(replica, requestIds.filter((id) => logs.includes(`"http.request.id":"${id}"`)).length);
        }
        return counts;
      },
      (counts) => [...counts.values()].reduce((a, b) => a + b, 0) === requestIds.length,
      { timeoutMs: 5_000, what: 'an access line for each of the 40 requests' },
    );
    console.log(`[replicas] 40 requests through nginx served by ${JSON.stringify(Object.fromEntries(served))}`);
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBe(requestIds.length);
    for (const replica of REPLICAS) expect(served.get(replica)).toBeGreaterThan(0);
  });

  it('is discovered by Prometheus through DNS: one target per replica address, with per-replica counters', async () => {
    const expected = REPLICAS.map((replica) => `${addresses.get(replica)}:8000`).sort();
    const targets = await pollUntil(apiTargets, (all) => all.length === REPLICAS.length && all.every((t) => t.health === 'up'), {
      timeoutMs: MINUTE,
      what: 'both API replicas as up targets',
    });
    expect(targets.map((t) => t.instance).sort()).toEqual(expected);
    const perInstance = await pollUntil(
      () => prometheus.query('sum by (instance) (http_requests_total{job="api", route="/api/todos"})'),
      (samples) => samples.length === REPLICAS.length,
      { timeoutMs: 30_000, what: 'request counters of both replicas' },
    );
    expect(perInstance.map((s) => s.metric.instance).sort()).toEqual(expected);
    const count = await pollUntil(
      () => prometheus.query('service:up_replicas:count'),
      (samples) => samples[0]?.value[1] === String(REPLICAS.length),
      { timeoutMs: 30_000, what: 'service:up_replicas:count = 2' },
    );
    expect(count[0]!.metric.service).toBe('todo-api');
  });

  it('loses a replica: requests via nginx still succeed, Prometheus drops its target, ApiReplicaDown fires, ApiDown does not', async () => {
    // Steady traffic through nginx, every outcome recorded with its start time.
    const outcomes: { at: number; ok: boolean; ms: number; status: number | string }[] = [];
    const pending: Promise<void>[] = [];
    const timer = setInterval(() => {
      const at = Date.now();
      pending.push(
        fetch(`${edge}/api/todos?limit=1`, { signal: AbortSignal.timeout(5_000) })
          .then(async (response) => {
            await response.arrayBuffer();
            outcomes.push({ at, ok: response.status === 200, ms: Date.now() - at, status: response.status });
          })
          .catch((error: Error) => {
            outcomes.push({ at, ok: false, ms: Date.now() - at, status: error.name });
          }),
      );
    }, 100);

    const [survivor, victim] = REPLICAS as [string, string];
    const stopStart = Date.now();
    await docker('stop', stack.getContainer(victim).getId());
    const stopped = Date.now();
    console.log(`[replicas] docker stop ${victim}: ${((stopped - stopStart) / 1000).toFixed(1)} s`);
    // Watched while the traffic runs, so the time printed is Prometheus' own.
    const oneTargetLeft = pollUntil(apiTargets, (all) => all.length === 1, { timeoutMs: 30_000, what: 'one API target left' }).then(
      (targets) => ({ targets, after: seconds(stopped) }),
    );
    oneTargetLeft.catch(() => undefined); // awaited below; no unhandled rejection if an earlier assertion fails

    // Past the resolver's validity nginx no longer knows the stopped replica.
    const settled = stopped + RESOLVER_VALID_MS;
    await new Promise((resolve) => setTimeout(resolve, settled + 10_000 - Date.now()));
    clearInterval(timer);
    await Promise.all(pending);

    const during = outcomes.filter((o) => o.at < settled);
    const after = outcomes.filter((o) => o.at >= settled);
    const failedDuring = during.filter((o) => !o.ok);
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(
      `[replicas] through nginx: ${during.length} requests from the stop until ${RESOLVER_VALID_MS / 1000} s after it, ` +
        `${failedDuring.length} failed` +
        `${failedDuring.length > 0 ? ` (${JSON.stringify(failedDuring.map((o) => o.status))})` : ''}; ${after.length} after, ` +
        `${after.filter((o) => !o.ok).length} failed; slowest ${slowest} ms`,
    );
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((o) => !o.ok)).toEqual([]);
    // A request that met the vanished replica waited for one connect timeout (1s), then went to
    // the other: the cost of losing a replica is bounded, not a 3s (or worse) stall.
    expect(slowest).toBeLessThan(2_500);

    const { targets, after: targetGoneAfter } = await oneTargetLeft;
    console.log(`[replicas] Prometheus down to one target ${targetGoneAfter} after the stop`);
    expect(targets).toEqual([{ instance: `${addresses.get(survivor)}:8000`, health: 'up' }]);

    // ApiDown must stay silent all along: a warning, not a page.
    const apiDownStates = new Set<string>();
    await pollUntil(
      async () => {
        apiDownStates.add(await prometheus.alertState('ApiDown'));
        return prometheus.alertState('ApiReplicaDown');
      },
      (state) => state === 'firing',
      { timeoutMs: 3 * MINUTE, intervalMs: 1_000, what: 'ApiReplicaDown firing' },
    );
    console.log(`[replicas] ApiReplicaDown firing ${seconds(stopped)} after the stop`);
    expect([...apiDownStates]).toEqual(['inactive']);
    expect(await prometheus.alertState('ApiDown')).toBe('inactive');
    const count = await prometheus.query('service:up_replicas:count');
    expect(count.map((s) => s.value[1])).toEqual(['1']);
  });

  it('finds a replica that starts again through DNS within seconds, and spreads requests over both again', async () => {
    const victim = REPLICAS[1]!;
    const started = Date.now();
    await docker('start', stack.getContainer(victim).getId());
    // Requests through nginx until one reaches the restarted replica (its log has the request id).
    const failed: (number | string)[] = [];
    let sent = 0;
    const reached = await pollUntil(
      async () => {
        const ids: string[] = [];
        for (let i = 0; i < 10; i += 1) {
          sent += 1;
          const response = await fetch(`${edge}/api/todos?limit=1`, { signal: AbortSignal.timeout(5_000) }).catch((error: Error) => error);
          if (response instanceof Error) failed.push(response.name);
          else {
            await response.arrayBuffer();
            if (response.status === 200) ids.push(response.headers.get('x-request-id')!);
            else failed.push(response.status);
          }
        }
        const logs = await docker('logs', stack.getContainer(victim).getId());
        return ids.some((id) => logs.includes(`"http.request.id":"${id}"`));
      },
      (found) => found,
      { timeoutMs: MINUTE, intervalMs: 200, what: `a request through nginx served by the restarted ${victim}` },
    );
    const after = Date.now() - started;
    console.log(
      `[replicas] restarted ${victim} served a request through nginx ${(after / 1000).toFixed(1)} s after docker start; ` +
        `${sent} requests, ${failed.length} failed`,
    );
    expect(reached).toBe(true);
    expect(failed).toEqual([]);
    // Its DNS record appears at start; nginx asks again once the old answer's valid= time is over.
    expect(after).toBeLessThan(RESOLVER_VALID_MS + 10_000);
  });
});
