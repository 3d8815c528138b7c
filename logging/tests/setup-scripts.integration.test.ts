import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { image } from '@observable-todo/test-support/images';
import { parseCompose, readRepoFile, readRepoJson, repoRoot } from '@observable-todo/test-support/repo';
import { dockerRun, loggingDir, type RunResult } from './support.js';
import { StubServer, basic, type Responder } from './stub-server.js';

/**
 * The setup scripts' own behaviour: the requests they send and how they fail.
 * Elasticsearch and Kibana are replaced by a stub HTTP server that answers
 * what each case needs (success, 401, 500, nothing); so these tests prove the
 * scripts, not Elasticsearch or Kibana (tests/e2e/logging.e2e.test.ts runs
 * them against the real ones where the images exist). The scripts run in a
 * container with sh and curl, the frontend's nginx base image, on the host
 * network so they reach the stub on 127.0.0.1.
 */
const SHELL_IMAGE = image('NGINX_IMAGE');
const execFileAsync = promisify(execFile);

const SECRETS = {
  elastic_password: 'e1a571c0000000000000000000000000000000000000aaaa',
  kibana_system_password: 'k1ba4a00000000000000000000000000000000000000bbbb',
  es_writer_password: 'w417e400000000000000000000000000000000000000cccc',
  es_monitor_password: 'm0a1704000000000000000000000000000000000000dddd',
  es_reader_password: 'r3ad3r00000000000000000000000000000000000000eeee',
};

let stub: StubServer;
let port: number;
let secretsDir: string;

beforeAll(async () => {
  // The compose file runs the scripts in the Elasticsearch image; this one only needs sh and curl.
  const logging = parseCompose<{ services: Record<string, { image: string }> }>(readRepoFile('deploy/compose/logging.yaml'));
  expect(logging.services['elasticsearch-setup']!.image).toMatch(/^\$\{ELASTICSEARCH_IMAGE[:}]/);
  stub = new StubServer();
  port = await stub.start();
  secretsDir = mkdtempSync(path.join(tmpdir(), 'logging-secrets-'));
  for (const [name, value] of Object.entries(SECRETS)) writeFileSync(path.join(secretsDir, name), value);
});

afterAll(async () => {
  await stub?.stop();
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
});

function runScript(script: string, env: Record<string, string>, secrets = secretsDir): Promise<RunResult> {
  return dockerRun([
    '--network',
    'host',
    '-v',
    `${loggingDir}:/logging:ro`,
    '-v',
    `${secrets}:/run/app-secrets:ro`,
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '--entrypoint',
    '/bin/sh',
    SHELL_IMAGE,
    `/logging/setup/${script}`,
  ]);
}

const esEnv = (extra: Record<string, string> = {}) => ({
  ES_URL: `http://127.0.0.1:${port}`,
  SECRETS_DIR: '/run/app-secrets',
  CONFIG_DIR: '/logging/elasticsearch',
  LOG_RETENTION_DAYS: '7',
  ES_WAIT_SECONDS: '4',
  ...extra,
});
const answer200: Responder = () => ({ status: 200, body: { acknowledged: true } });
const calls = () => stub.requests.map((r) => `${r.method} ${r.url}`);
const noSecretIn = (result: RunResult) => {
  for (const secret of Object.values(SECRETS)) expect(result.stdout + result.stderr).not.toContain(secret);
};

const EXPECTED_ES_CALLS = [
  'GET /_cluster/health?wait_for_status=yellow&timeout=5s',
  'POST /_security/user/kibana_system/_password',
  'PUT /_security/role/todo_log_writer',
  'PUT /_security/user/todo_log_writer',
  'PUT /_security/role/todo_log_monitor',
  'PUT /_security/user/todo_log_monitor',
  'PUT /_security/role/todo_log_reader',
  'PUT /_security/user/todo_log_reader',
  'PUT /_ilm/policy/logs-todo-retention',
  'PUT /_component_template/logs@custom',
];

describe('elasticsearch-setup.sh against a stub HTTP server (tests the script, not Elasticsearch)', () => {
  it("sends every object as elastic with the repository's bodies, exits 0, prints no secret, and sends the same on a re-run", async () => {
    stub.reset(answer200);
    const first = await runScript('elasticsearch-setup.sh', esEnv());
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('elasticsearch-setup: done');
    expect(calls()).toEqual(EXPECTED_ES_CALLS);
    for (const request of stub.requests) expect(request.authorization).toBe(basic('elastic', SECRETS.elastic_password));
    const body = (url: string) => JSON.parse(stub.requests.find((r) => r.url === url)!.body) as Record<string, unknown>;
    expect(body('/_security/user/kibana_system/_password')).toEqual({ password: SECRETS.kibana_system_password });
    expect(body('/_security/role/todo_log_writer')).toEqual(readRepoJson('logging/elasticsearch/writer-role.json'));
    expect(body('/_security/user/todo_log_writer')).toMatchObject({ password: SECRETS.es_writer_password, roles: ['todo_log_writer'] });
    expect(body('/_security/user/todo_log_monitor')).toMatchObject({ password: SECRETS.es_monitor_password, roles: ['todo_log_monitor'] });
    expect(body('/_security/role/todo_log_reader')).toEqual(readRepoJson('logging/elasticsearch/reader-role.json'));
    expect(body('/_security/user/todo_log_reader')).toMatchObject({ password: SECRETS.es_reader_password, roles: ['todo_log_reader'] });
    expect(body('/_ilm/policy/logs-todo-retention')).toMatchObject({ policy: { phases: { delete: { min_age: '7d' } } } });
    expect(body('/_component_template/logs@custom')).toEqual(readRepoJson('logging/elasticsearch/logs-custom.json'));
    noSecretIn(first);

    const bodies = stub.requests.map((r) => r.body);
    stub.reset(answer200);
    const second = await runScript('elasticsearch-setup.sh', esEnv());
    expect(second.exitCode).toBe(0);
    expect(calls()).toEqual(EXPECTED_ES_CALLS);
    expect(stub.requests.map((r) => r.body)).toEqual(bodies);
  });

  it('waits while Elasticsearch answers 503, then carries on', async () => {
    stub.reset((request, index) =>
      request.url.startsWith('/_cluster/health') && index < 2 ? { status: 503, body: { error: 'starting' } } : { status: 200, body: {} },
    );
    const result = await runScript('elasticsearch-setup.sh', esEnv({ ES_WAIT_SECONDS: '20' }));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(calls().filter((c) => c.startsWith('GET /_cluster/health'))).toHaveLength(3);
  });

  it('exits 1 saying nothing answered when Elasticsearch is unreachable, after ES_WAIT_SECONDS', async () => {
    const started = Date.now();
    const result = await runScript('elasticsearch-setup.sh', esEnv({ ES_URL: 'http://127.0.0.1:1' }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /ERROR: not ready after 4s, last answer to GET \/_cluster\/health.*: no answer from http:\/\/127\.0\.0\.1:1/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    noSecretIn(result);
  });

  it('exits 1 at once on 401, naming the password file, and changes nothing', async () => {
    stub.reset(() => ({ status: 401, body: { error: { type: 'security_exception', reason: 'unable to authenticate user [elastic]' } } }));
    const result = await runScript('elasticsearch-setup.sh', esEnv({ ES_WAIT_SECONDS: '60' }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('HTTP 401');
    expect(result.stderr).toContain('/run/app-secrets/elastic_password');
    expect(calls()).toEqual([EXPECTED_ES_CALLS[0]]);
    noSecretIn(result);
  });

  it("exits 1 with Elasticsearch's reason when a step answers 500, and sends no later step", async () => {
    stub.reset((request) =>
      request.url.startsWith('/_ilm/')
        ? { status: 500, body: { error: { type: 'illegal_state_exception', reason: 'policy store unavailable' } } }
        : { status: 200, body: {} },
    );
    const result = await runScript('elasticsearch-setup.sh', esEnv());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('ERROR: PUT /_ilm/policy/logs-todo-retention: HTTP 500');
    expect(result.stderr).toContain('policy store unavailable');
    expect(calls()).not.toContain('PUT /_component_template/logs@custom');
  });

  it("keeps logs 30 days when LOG_RETENTION_DAYS is empty, as compose's default does", async () => {
    stub.reset(answer200);
    const result = await runScript('elasticsearch-setup.sh', esEnv({ LOG_RETENTION_DAYS: '' }));
    expect(result.exitCode, result.stderr).toBe(0);
    const policy = JSON.parse(stub.requests.find((r) => r.url === '/_ilm/policy/logs-todo-retention')!.body) as unknown;
    expect(policy).toMatchObject({ policy: { phases: { delete: { min_age: '30d' } } } });
  });

  it.each([['abc'], ['0'], ['-5'], ['030'], ['7d']])('refuses LOG_RETENTION_DAYS=%j before sending anything', async (days) => {
    stub.reset(answer200);
    const result = await runScript('elasticsearch-setup.sh', esEnv({ LOG_RETENTION_DAYS: days }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('LOG_RETENTION_DAYS must be a whole number of days from 1');
    expect(stub.requests).toHaveLength(0);
  });

  it('refuses to start when a secret is missing, before sending anything', async () => {
    const partial = mkdtempSync(path.join(tmpdir(), 'logging-secrets-'));
    try {
      writeFileSync(path.join(partial, 'elastic_password'), SECRETS.elastic_password);
      stub.reset(answer200);
      const result = await runScript('elasticsearch-setup.sh', esEnv(), partial);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('secret /run/app-secrets/kibana_system_password is missing or empty');
      expect(stub.requests).toHaveLength(0);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  });
});

const kibanaEnv = (extra: Record<string, string> = {}) => ({
  KIBANA_URL: `http://127.0.0.1:${port}`,
  SECRETS_DIR: '/run/app-secrets',
  CONFIG_DIR: '/logging/kibana',
  KIBANA_WAIT_SECONDS: '4',
  ...extra,
});

describe('kibana-setup.sh against a stub HTTP server (tests the script, not Kibana)', () => {
  const kibanaOk: Responder = (request) =>
    request.url.startsWith('/api/saved_objects/_import')
      ? { status: 200, body: { success: true, successCount: 2 } }
      : { status: 200, body: {} };

  it('creates the data view, makes it the default and imports the saved searches, with kbn-xsrf, and exits 0', async () => {
    stub.reset(kibanaOk);
    const result = await runScript('kibana-setup.sh', kibanaEnv());
    expect(result.exitCode, result.stderr).toBe(0);
    expect(calls()).toEqual([
      'GET /api/status',
      'POST /api/data_views/data_view',
      'POST /api/data_views/default',
      'POST /api/saved_objects/_import?overwrite=true',
    ]);
    for (const request of stub.requests) {
      expect(request.headers['kbn-xsrf']).toBe('true');
      expect(request.authorization).toBe(basic('elastic', SECRETS.elastic_password));
    }
    expect(JSON.parse(stub.requests[1]!.body)).toEqual(readRepoJson('logging/kibana/data-view.json'));
    expect(JSON.parse(stub.requests[2]!.body)).toEqual({ data_view_id: 'logs-todo', force: true });
    expect(stub.requests[3]!.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(stub.requests[3]!.body).toContain(readRepoFile('logging/kibana/saved-objects.ndjson').trim());
    noSecretIn(result);
  });

  it('exits 1 when the import answers 200 but reports failed objects', async () => {
    stub.reset((request) =>
      request.url.startsWith('/api/saved_objects/_import')
        ? { status: 200, body: { success: false, errors: [{ id: 'todo-slow-requests', error: { type: 'missing_references' } }] } }
        : { status: 200, body: {} },
    );
    const result = await runScript('kibana-setup.sh', kibanaEnv());
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('POST /api/saved_objects/_import');
    expect(result.stderr).toContain('missing_references');
  });

  it('exits 1 at once on 401', async () => {
    stub.reset(() => ({ status: 401, body: { statusCode: 401, error: 'Unauthorized' } }));
    const result = await runScript('kibana-setup.sh', kibanaEnv({ KIBANA_WAIT_SECONDS: '60' }));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('GET /api/status: HTTP 401');
    expect(stub.requests).toHaveLength(1);
  });
});

interface PreflightService {
  entrypoint: string[];
  environment?: Record<string, string>;
  volumes: { type: string; source: string; target: string; read_only?: boolean }[];
}

/**
 * The preflight service as Compose runs it from the root compose.yaml
 * (`docker compose config`: interpolated, defaults applied), with only the
 * given variables set, as on a fresh clone: no shell variable, and no root
 * `.env` (--env-file /dev/null; the included files' own `.env` still applies).
 */
async function composedPreflight(env: Record<string, string> = {}): Promise<PreflightService> {
  const { stdout } = await execFileAsync(
    'docker',
    ['compose', '-p', 'preflight-check', '--env-file', '/dev/null', '-f', 'compose.yaml', 'config', '--format', 'json'],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { services: Record<string, PreflightService> }).services['logging-preflight']!;
}

/**
 * Runs the preflight service's own entrypoint, environment and bind mounts in
 * SHELL_IMAGE (the Elasticsearch image cannot be pulled here; the script needs
 * only sh), against a vm.max_map_count written to a file (MAX_MAP_COUNT_FILE),
 * or the host's real one when `value` is null.
 */
async function runPreflight(service: PreflightService, value: string | undefined | null): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'preflight-'));
  try {
    if (typeof value === 'string') writeFileSync(path.join(dir, 'max_map_count'), `${value}\n`);
    const [entrypoint, ...args] = service.entrypoint;
    return await dockerRun([
      ...service.volumes.flatMap((v) => ['-v', `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`]),
      ...Object.entries(service.environment ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...(value === null ? [] : ['-v', `${dir}:/probe:ro`, '-e', 'MAX_MAP_COUNT_FILE=/probe/max_map_count']),
      '--network',
      'none',
      '--entrypoint',
      entrypoint!,
      SHELL_IMAGE,
      ...args,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('preflight (vm.max_map_count and ES_ALLOW_MMAP), as compose runs it, on given values', () => {
  const STOCK = '65530'; // the kernel's default
  let byDefault: PreflightService;
  let mmapOn: PreflightService;

  beforeAll(async () => {
    byDefault = await composedPreflight();
    mmapOn = await composedPreflight({ ES_ALLOW_MMAP: 'true' });
  });

  it('gets the value Elasticsearch gets: mmap off unless ES_ALLOW_MMAP=true', () => {
    expect(byDefault.entrypoint).toEqual(['/bin/sh', '/logging/setup/preflight.sh']);
    expect(byDefault.environment).toEqual({ ES_ALLOW_MMAP: 'false' });
    expect(mmapOn.environment).toEqual({ ES_ALLOW_MMAP: 'true' });
  });

  it('by default (mmap off) passes on a stock host (65530), saying mmap is off and why', async () => {
    const result = await runPreflight(byDefault, STOCK);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('preflight: mmap off (ES_ALLOW_MMAP=false)');
    expect(result.stdout).toContain('vm.max_map_count (65530 here) does not matter');
    expect(result.stderr).toBe('');
  });

  it('by default passes whatever the value, even unreadable', async () => {
    expect((await runPreflight(byDefault, '1048576')).exitCode).toBe(0);
    const missing = await runPreflight(byDefault, undefined);
    expect(missing.exitCode, missing.stderr).toBe(0);
    expect(missing.stdout).toContain('(unknown here)');
  });

  it('with mmap on, stops below 262144 and says how to fix it on the host, or to turn mmap off', async () => {
    const result = await runPreflight(mmapOn, STOCK);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('vm.max_map_count is 65530 on this host; Elasticsearch needs at least 262144 (1048576 recommended)');
    expect(result.stderr).toContain('sudo sysctl -w vm.max_map_count=1048576');
    expect(result.stderr).toContain('set ES_ALLOW_MMAP=false, or unset it');
  });

  it('with mmap on, passes at the minimum with a note, and at the recommended value', async () => {
    const minimum = await runPreflight(mmapOn, '262144');
    expect(minimum.exitCode, minimum.stderr).toBe(0);
    expect(minimum.stdout).toContain('below the recommended 1048576');
    const recommended = await runPreflight(mmapOn, '1048576');
    expect(recommended.exitCode).toBe(0);
    expect(recommended.stdout).toContain('vm.max_map_count is 1048576: ok');
  });

  it('with mmap on, stops when the value cannot be read or is not a number', async () => {
    expect((await runPreflight(mmapOn, 'abc')).stderr).toContain("holds 'abc', not a number");
    const missing = await runPreflight(mmapOn, undefined);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('cannot read /probe/max_map_count');
  });

  it('stops on an ES_ALLOW_MMAP Elasticsearch would refuse', async () => {
    const result = await runPreflight({ ...byDefault, environment: { ES_ALLOW_MMAP: 'yes' } }, STOCK);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("ES_ALLOW_MMAP is 'yes'; it must be true or false");
  });

  it("reads the host's real value by default and decides on it: always passes with mmap off", async () => {
    const host = Number((await execFileAsync('cat', ['/proc/sys/vm/max_map_count'])).stdout.trim());
    const on = await runPreflight(mmapOn, null);
    expect(on.exitCode).toBe(host >= 262144 ? 0 : 1);
    expect(on.stdout + on.stderr).toContain(`vm.max_map_count is ${host}`);
    const off = await runPreflight(byDefault, null);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(off.stdout).toContain(`vm.max_map_count (${host} here) does not matter`);
  });
});
