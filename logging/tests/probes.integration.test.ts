import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { image } from '@observable-todo/test-support/images';
import { pollUntil } from '@observable-todo/test-support/poll';
import { freePort } from '@observable-todo/test-support/ports';
import { docker } from '@observable-todo/test-support/docker';
import { readRepoYaml, repoRoot } from '@observable-todo/test-support/repo';
import { loggingDir } from './support.js';
import { StubServer, basic } from './stub-server.js';

/**
 * The real elasticsearch-exporter and blackbox exporter, configured as
 * deploy/compose/logging.yaml runs them and with the credentials secrets-init
 * really generates, against a stub Elasticsearch: they send the monitoring
 * user's password, and report the series the logging alerts are written on.
 * This tests the probes and our configuration of them, not Elasticsearch.
 */
const execFileAsync = promisify(execFile);
interface ComposeService {
  image: string;
  command: string[];
}
const composeServices = readRepoYaml<{ services: Record<string, ComposeService> }>('deploy/compose/logging.yaml').services;
// The compose file names each image by its variable in deploy/compose/.env.
const resolved = (service: ComposeService) => ({
  ...service,
  image: image(/^\$\{([A-Z0-9_]+)[:}]/.exec(service.image)?.[1] ?? service.image),
});
const exporterService = resolved(composeServices['elasticsearch-exporter']!);
const probesService = resolved(composeServices['log-probes']!);

const project = `logging-probes-${randomBytes(4).toString('hex')}`;
const volume = `${project}_app-secrets`;
const stub = new StubServer();
let stubPort: number;
let exporterPort: number;
let probesPort: number;
let monitorPassword: string;
const containers: string[] = [];

let health = 'green';
let failureCount = 0;

beforeAll(async () => {
  // The secrets exactly as the stack creates them: secrets-init from app.yaml.
  await execFileAsync('docker', ['compose', '-p', project, '-f', 'compose.yaml', 'up', 'secrets-init'], { cwd: repoRoot });
  monitorPassword = (
    await docker('run', '--rm', '-v', `${volume}:/s:ro`, '--entrypoint', 'cat', probesService.image, '/s/es_monitor_password')
  ).trim();

  stubPort = await stub.start();
  stub.responder = (request) => {
    const path = request.url.split('?')[0];
    if (path === '/_cluster/health')
      return { status: 200, body: { cluster_name: 'todo-logs', status: health, number_of_nodes: 1, number_of_data_nodes: 1 } };
    if (path === '/') return { status: 200, body: { cluster_name: 'todo-logs', cluster_uuid: 'u', version: { number: '9.5.6' } } };
    if (path === '/_nodes/_local/stats' || path === '/_nodes/stats') {
      const fs = {
        data: [
          {
            path: '/usr/share/elasticsearch/data',
            mount: '/usr/share/elasticsearch/data (/dev/sda1)',
            total_in_bytes: 1000,
            free_in_bytes: 150,
            available_in_bytes: 100,
          },
        ],
      };
      return {
        status: 200,
        body: {
          cluster_name: 'todo-logs',
          nodes: { n1: { name: 'todo-logs-1', host: '127.0.0.1', roles: ['master', 'data', 'ingest'], fs } },
        },
      };
    }
    if (path === '/logs-todo*::failures/_count')
      return { status: 200, body: { count: failureCount, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } } };
    return { status: 404, body: { error: 'not stubbed' } };
  };

  exporterPort = await freePort();
  probesPort = await freePort();
  const run = async (image: string, args: string[], mounts: string[]) => {
    const id = (await docker('run', '-d', '--network', 'host', ...mounts.flatMap((m) => ['-v', m]), image, ...args)).trim();
    containers.push(id);
  };
  await run(
    exporterService.image,
    [...exporterService.command, `--web.listen-address=127.0.0.1:${exporterPort}`],
    [`${volume}:/run/app-secrets:ro`],
  );
  await run(
    probesService.image,
    [...probesService.command, `--web.listen-address=127.0.0.1:${probesPort}`],
    [`${loggingDir}/blackbox:/logging/blackbox:ro`, `${volume}:/run/app-secrets:ro`],
  );
  for (const port of [exporterPort, probesPort]) {
    await pollUntil(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      { timeoutMs: 20_000, what: `exporter on ${port}` },
    );
  }
});

afterAll(async () => {
  for (const id of containers) await docker('rm', '-f', id).catch(() => undefined);
  await execFileAsync('docker', ['compose', '-p', project, '-f', 'compose.yaml', 'down', '-v'], { cwd: repoRoot }).catch(() => undefined);
  await stub.stop();
});

const target = (path = '') => `http://127.0.0.1:${stubPort}${path}`;
const scrape = async (url: string) => (await fetch(url)).text();
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('elasticsearch-exporter in /probe mode, with the auth module secrets-init writes', () => {
  it('logs in as todo_log_monitor and reports health and data-disk series', async () => {
    health = 'red';
    stub.requests.length = 0;
    const text = await scrape(`http://127.0.0.1:${exporterPort}/probe?target=${encodeURIComponent(target())}&auth_module=todo`);
    expect(sample(text, 'elasticsearch_cluster_health_status{cluster="todo-logs",color="red"}')).toBe(1);
    expect(sample(text, 'elasticsearch_cluster_health_status{cluster="todo-logs",color="green"}')).toBe(0);
    // ElasticsearchDiskWatermarkNear's two series, with the labels its description uses.
    const availableBytes = new RegExp(
      String.raw`^elasticsearch_filesystem_data_available_bytes\{` +
        String.raw`[^}]*mount="\/usr\/share\/elasticsearch\/data \(\/dev\/sda1\)"[^}]*name="todo-logs-1"[^}]*\} 100$`,
      'm',
    );
    expect(text).toMatch(availableBytes);
    expect(text).toMatch(/^elasticsearch_filesystem_data_size_bytes\{[^}]*\} 1000$/m);
    expect(stub.requests.length).toBeGreaterThan(0);
    for (const request of stub.requests) expect(request.authorization).toBe(basic('todo_log_monitor', monitorPassword));
  });
});

describe('blackbox probes of logging/blackbox/blackbox.yml, with the password file secrets-init writes', () => {
  const probe = (module: string, path: string) =>
    scrape(`http://127.0.0.1:${probesPort}/probe?module=${module}&target=${encodeURIComponent(target(path))}`);

  it('elasticsearch_not_red: succeeds on green and yellow, fails on red (ElasticsearchDownOrRed)', async () => {
    for (const [status, expected] of [
      ['green', 1],
      ['yellow', 1],
      ['red', 0],
    ] as const) {
      health = status;
      expect(sample(await probe('elasticsearch_not_red', '/_cluster/health'), 'probe_success'), status).toBe(expected);
    }
  });

  it('failure_store_empty: succeeds on a count of 0, fails by regex on 3 (LogFailureStoreNotEmpty), as todo_log_monitor', async () => {
    stub.requests.length = 0;
    failureCount = 0;
    const empty = await probe('failure_store_empty', '/logs-todo*::failures/_count');
    expect(sample(empty, 'probe_success')).toBe(1);
    expect(sample(empty, 'probe_failed_due_to_regex')).toBe(0);
    failureCount = 3;
    const full = await probe('failure_store_empty', '/logs-todo*::failures/_count');
    expect(sample(full, 'probe_success')).toBe(0);
    expect(sample(full, 'probe_failed_due_to_regex')).toBe(1);
    expect(stub.requests.map((r) => r.url)).toEqual(['/logs-todo*::failures/_count', '/logs-todo*::failures/_count']);
    for (const request of stub.requests) expect(request.authorization).toBe(basic('todo_log_monitor', monitorPassword));
  });

  it('failure_store_empty: a count of 10 or 30 is not mistaken for 0', async () => {
    for (const count of [10, 30, 100]) {
      failureCount = count;
      expect(sample(await probe('failure_store_empty', '/logs-todo*::failures/_count'), 'probe_failed_due_to_regex'), String(count)).toBe(
        1,
      );
    }
  });
});
