import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@observable-todo/test-support/ports';
import { createTestDatabase, type TestDatabase } from '@observable-todo/test-support/postgres';
import { baselineValue, metricValue, startTestService, type TestService } from '../../test-support/service.js';
import { API_SECURITY_HEADERS } from './middleware/security-headers.js';

let db: TestDatabase;
let service: TestService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService({ ...db.env, CORS_ORIGINS: 'https://todo.example.com' });
});

afterAll(async () => {
  await service?.close();
});

const api = () => request(service.app);
/** The fields of every access log line; error lines add error.* to these. */
const BASE_LINE_FIELDS = [
  '@timestamp',
  'log.level',
  'message',
  'ecs.version',
  'service.name',
  'service.version',
  'event.dataset',
  'http.request.id',
  'http.request.method',
  'url.path',
  'http.response.status_code',
  'event.duration',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('keeps a valid incoming X-Request-Id and puts it on the response and the log line', async () => {
    const id = 'client-abc_123.x';
    await api().get('/api/todos').set('X-Request-Id', id).expect(200).expect('X-Request-Id', id);
    expect(service.logs.forRequest(id)).toHaveLength(1);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'has space'],
    ['with a newline attempt', 'abc%0d%0aSet-Cookie:x'],
    ['with unicode', 'ünïcode'],
  ])('replaces an incoming id %s with a new UUID', async (_name, id) => {
    const response = await api().get('/api/todos').set('X-Request-Id', encodeURI(id)).expect(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('generates a UUID when none is sent, also on errors', async () => {
    const response = await api().get('/nowhere').expect(404);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(response.body).toMatchObject({ error: { requestId: response.headers['x-request-id'] } });
  });
});

describe('access log: one ECS line per request', () => {
  it('writes the ECS fields for a successful request', async () => {
    const id = 'log-line-ok';
    await api().post('/api/todos?secret=query').set('X-Request-Id', id).send({ title: 'private title' }).expect(201);
    const lines = service.logs.forRequest(id);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      'log.level': 'info',
      message: 'POST /api/todos 201',
      'ecs.version': expect.any(String),
      'service.name': 'todo-api',
      'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
      'http.request.method': 'POST',
      'url.path': '/api/todos',
      'http.response.status_code': 201,
      'http.request.id': id,
    });
    expect(Date.parse(line['@timestamp'] as string)).not.toBeNaN();
    expect(line['event.duration']).toEqual(expect.any(Number));
    expect(line['event.duration'] as number).toBeGreaterThan(0);
    // Neither bodies, query strings nor headers are logged.
    const text = JSON.stringify(line);
    expect(text).not.toContain('private title');
    expect(text).not.toContain('secret=query');
    expect(text).not.toContain('todo-test-password');
  });

  it('logs a client error at warn without error fields', async () => {
    const id = 'log-line-404';
    await api().get('/api/todos/424242').set('X-Request-Id', id).expect(404);
    const [line] = service.logs.forRequest(id);
    expect(line).toMatchObject({ 'log.level': 'warn', 'http.response.status_code': 404, 'url.path': '/api/todos/424242' });
    expect(line).not.toHaveProperty('error.type');
  });

  it('logs a 500 at error with error.type, error.message and error.stack_trace, none of which reach the body', async () => {
    const id = 'log-line-500';
    const response = await api().get('/api/simulate-error').set('X-Request-Id', id).expect(500);
    expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error', requestId: id } });
    expect(JSON.stringify(response.body)).not.toMatch(/stack|at .*\.ts|Simulated/);
    const lines = service.logs.forRequest(id);
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]!).sort()).toEqual([...BASE_LINE_FIELDS, 'error.type', 'error.message', 'error.stack_trace'].sort());
    expect(lines[0]).toMatchObject({
      'log.level': 'error',
      'http.response.status_code': 500,
      'error.type': 'SimulatedFailure',
      'error.message': 'Simulated failure for an alert drill',
      'error.stack_trace': expect.stringContaining('chaos.routes'),
    });
  });

  it('logs a trusted 503 at warn with error.type and error.message and no stack trace', async () => {
    // Nothing listens on this port: every query fails fast with a connection error, a trusted 503.
    const unreachable = await startTestService({ ...db.env, DB_PORT: String(await freePort()) }, { migrate: false });
    try {
      const id = 'log-line-503';
      await request(unreachable.app).get('/api/todos').set('X-Request-Id', id).expect(503);
      const lines = unreachable.logs.forRequest(id);
      expect(lines).toHaveLength(1);
      const line = lines[0]!;
      expect(Object.keys(line).sort()).toEqual([...BASE_LINE_FIELDS, 'error.type', 'error.message'].sort());
      expect(line).toMatchObject({
        'log.level': 'warn',
        message: 'GET /api/todos 503',
        'http.response.status_code': 503,
        'error.type': 'SequelizeConnectionRefusedError',
        'error.message': expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      await unreachable.close();
    }
  });

  it('logs probes and scrapes at debug so they do not drown real traffic', async () => {
    const id = 'probe-line';
    await api().get('/health/live').set('X-Request-Id', id).expect(200);
    expect(service.logs.forRequest(id)[0]).toMatchObject({ 'log.level': 'debug', 'url.path': '/health/live' });
  });
});

describe('a client that goes away before the response', () => {
  it('is logged once as aborted, counted once, and leaves no request in flight', async () => {
    const server = createServer(service.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const id = 'client-went-away';
      const labels = { method: 'GET', route: '/api/simulate-latency', status_code: '200' };
      const before = await baselineValue(service, 'http_requests_total', labels);
      const client = httpGet({ host: '127.0.0.1', port, path: '/api/simulate-latency?ms=400', headers: { 'X-Request-Id': id } });
      client.on('error', () => undefined); // the socket is destroyed on purpose
      await pollUntil(
        async () => (await api().get('/metrics')).text,
        (text) => /^http_requests_in_flight [1-9]/m.test(text),
        { timeoutMs: 5_000, what: 'the request in flight' },
      );
      client.destroy();
      await pollUntil(
        () => Promise.resolve(service.logs.forRequest(id)),
        (lines) => lines.length > 0,
        { timeoutMs: 5_000, what: "the aborted request's line" },
      );
      // The handler's own response later must not produce a second line or count.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(service.logs.forRequest(id)).toEqual([
        expect.objectContaining({ 'event.outcome': 'unknown', 'labels.aborted': 'true', 'url.path': '/api/simulate-latency' }),
      ]);
      const scrape = (await api().get('/metrics')).text;
      expect(scrape).toMatch(/^http_requests_in_flight 1$/m); // the scrape itself
      expect((await metricValue(service, 'http_requests_total', labels)) - before).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('metrics', () => {
  it('serves the Prometheus exposition format with every metric family the dashboards use', async () => {
    const response = await api().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const family of [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_requests_in_flight',
      'todo_tasks_created_total',
      'todo_tasks_completed_total',
      'todo_tasks_deleted_total',
      'app_info',
      'app_ready',
      'app_dependency_up',
      'db_pool_connections',
      'db_pool_waiting_requests',
      'db_query_duration_seconds',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(response.text).toContain(`# TYPE ${family} `);
    }
    expect(response.text).toMatch(/^app_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    expect(response.text).toMatch(/^app_ready 1$/m);
    expect(response.text).toMatch(/^app_dependency_up\{dependency="database"\} 1$/m);
    expect(response.text).toMatch(/^app_dependency_up\{dependency="schema"\} 1$/m);
  });

  it('counts a request under its route template and status code, and observes its duration', async () => {
    const labels = { method: 'GET', route: '/api/todos/:id', status_code: '404' };
    const before = await baselineValue(service, 'http_requests_total', labels);
    const beforeCount = await baselineValue(service, 'http_request_duration_seconds_count', labels);
    await api().get('/api/todos/777').expect(404);
    await api().get('/api/todos/778').expect(404);
    expect(await metricValue(service, 'http_requests_total', labels)).toBe(before + 2);
    expect(await metricValue(service, 'http_request_duration_seconds_count', labels)).toBe(beforeCount + 2);
  });

  it('has histogram buckets at the SLO thresholds 100 ms, 250 ms, 500 ms and 1 s', async () => {
    await api().get('/api/todos').expect(200);
    const text = await service.metrics.registry.getSingleMetricAsString('http_request_duration_seconds');
    for (const le of ['0.1', '0.25', '0.5', '1']) expect(text).toContain(`le="${le}"`);
  });

  it('labels errors raised before the handler (bad JSON, wrong type) with their route', async () => {
    const labels = { method: 'POST', route: '/api/todos', status_code: '400' };
    const before = await baselineValue(service, 'http_requests_total', labels);
    await api().post('/api/todos').set('Content-Type', 'application/json').send('{').expect(400);
    expect(await metricValue(service, 'http_requests_total', labels)).toBe(before + 1);
  });

  it('puts every unknown path under one route label, so no request can grow cardinality', async () => {
    const before = await baselineValue(service, 'http_requests_total', { route: 'unmatched', status_code: '404' });
    for (let i = 0; i < 5; i++) await api().get(`/random/${i}/${Math.random()}`).expect(404);
    expect(await metricValue(service, 'http_requests_total', { route: 'unmatched', status_code: '404' })).toBe(before + 5);
    const text = await service.metrics.registry.getSingleMetricAsString('http_requests_total');
    expect(text).not.toContain('/random/');
  });

  it('measures the simulated latency and the 500 of the chaos endpoints', async () => {
    const slow = { method: 'GET', route: '/api/simulate-latency', status_code: '200' };
    const beforeSlow = await baselineValue(service, 'http_request_duration_seconds_bucket', { ...slow, le: '0.25' });
    const beforeSlowCount = await baselineValue(service, 'http_request_duration_seconds_count', slow);
    const response = await api().get('/api/simulate-latency?ms=300').expect(200);
    expect(response.body).toEqual({ delayedMs: 300 });
    expect(await metricValue(service, 'http_request_duration_seconds_count', slow)).toBe(beforeSlowCount + 1);
    // 300 ms must not land in the 250 ms bucket.
    expect(await metricValue(service, 'http_request_duration_seconds_bucket', { ...slow, le: '0.25' })).toBe(beforeSlow);

    const failed = { method: 'GET', route: '/api/simulate-error', status_code: '500' };
    const beforeFailed = await baselineValue(service, 'http_requests_total', failed);
    await api().get('/api/simulate-error').expect(500);
    expect(await metricValue(service, 'http_requests_total', failed)).toBe(beforeFailed + 1);
  });

  it('times repository operations by outcome', async () => {
    const before = await baselineValue(service, 'db_query_duration_seconds_count', { operation: 'list', outcome: 'ok' });
    await api().get('/api/todos').expect(200);
    expect(await metricValue(service, 'db_query_duration_seconds_count', { operation: 'list', outcome: 'ok' })).toBe(before + 1);
  });
});

describe('chaos endpoints', () => {
  it.each(['-1', '10001', 'abc', ''])('simulate-latency rejects ms=%s with 400', async (ms) => {
    const response = await api().get(`/api/simulate-latency?ms=${ms}`).expect(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ field: 'ms' }] } });
  });

  it('answers 404 when CHAOS_ENDPOINTS=false', async () => {
    const off = await startTestService({ ...db.env, CHAOS_ENDPOINTS: 'false' }, { migrate: false });
    try {
      await request(off.app).get('/api/simulate-error').expect(404);
      await request(off.app).get('/api/simulate-latency?ms=1').expect(404);
    } finally {
      await off.close();
    }
  });
});

describe('routing is exact about case, encoding and slashes', () => {
  // The edge blocks the drill endpoints by path; any other spelling must not reach a handler either.
  it.each([
    '/api/SIMULATE-ERROR',
    '/api/Simulate-Error',
    '/api/simulate-ERROR',
    '/API/simulate-error',
    '/api/SIMULATE-latency?ms=1',
    '/api/simulate%2Derror',
    '/api/%73imulate-error',
    '/api/simulate-error/',
    '/api/simulate-latency/?ms=1',
    '//api/simulate-error',
    '/api//simulate-error',
    '/api/Todos',
    '/API/todos',
    '/api/todos/',
    '/api/TODOS/1',
    '//api/todos',
    '/Health/Ready',
    '/health/ready/',
    '/METRICS',
    '/metrics/',
  ])('GET %s answers 404 NOT_FOUND counted as route="unmatched"', async (path) => {
    const before = await baselineValue(service, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' });
    const response = await api().get(path).expect(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await metricValue(service, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(before + 1);
  });
});

describe('HTTP hardening', () => {
  it('sends the JSON API security headers, on errors too, and no X-Powered-By', async () => {
    for (const path of ['/api/todos', '/nowhere']) {
      const response = await api().get(path);
      expect(response.headers['x-powered-by'], path).toBeUndefined();
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS))
        expect(response.headers[name.toLowerCase()], `${path} ${name}`).toBe(value);
    }
    expect(API_SECURITY_HEADERS['Content-Security-Policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(API_SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });

  it('allows CORS only from the configured origins', async () => {
    const allowed = await api().get('/api/todos').set('Origin', 'https://todo.example.com').expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://todo.example.com');
    const other = await api().get('/api/todos').set('Origin', 'https://evil.example.com').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rate limits per client with 429 RATE_LIMITED and Retry-After, sparing health and metrics', async () => {
    const limited = await startTestService({ ...db.env, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }, { migrate: false });
    try {
      for (let i = 0; i < 3; i++) await request(limited.app).get('/api/todos').expect(200);
      const response = await request(limited.app).get('/api/todos').expect(429);
      expect(response.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
      await request(limited.app).get('/health/ready').expect(200);
      await request(limited.app).get('/metrics').expect(200);
    } finally {
      await limited.close();
    }
  });
});

describe('TRUST_PROXY: only the trusted hop may name the client', () => {
  // RATE_LIMIT_MAX=2: the third request with the same rate-limit key is refused.
  async function keysFollowForwardedFor(trustProxy: string): Promise<boolean> {
    const limited = await startTestService({ ...db.env, RATE_LIMIT_MAX: '2', TRUST_PROXY: trustProxy }, { migrate: false });
    try {
      const as = (client: string) => request(limited.app).get('/api/nothing-here').set('X-Forwarded-For', client);
      await as('203.0.113.1').expect(404);
      await as('203.0.113.1').expect(404);
      await as('203.0.113.1').expect(429);
      // Another claimed client: its own key if the header is believed, the same (exhausted) key if not.
      const other = await as('203.0.113.2');
      return other.status !== 429;
    } finally {
      await limited.close();
    }
  }

  it('a peer that is not the trusted proxy cannot pick its rate-limit key with X-Forwarded-For', async () => {
    // The test's requests come from 127.0.0.1, which none of these names.
    expect(await keysFollowForwardedFor('false')).toBe(false);
    expect(await keysFollowForwardedFor('10.9.9.9')).toBe(false);
    expect(await keysFollowForwardedFor('no-such-proxy.invalid')).toBe(false);
  });

  it('the trusted hop, named by hostname, passes the client address on', async () => {
    expect(await keysFollowForwardedFor('localhost')).toBe(true);
  });
});

describe('health', () => {
  it('GET /health/live → 200 {"status":"ok"}', async () => {
    await api().get('/health/live').expect(200, { status: 'ok' });
  });

  it.each(['/health/ready', '/health'])('GET %s → 200 ready with the database up', async (path) => {
    await api()
      .get(path)
      .expect(200, { status: 'ready', checks: { database: 'up', schema: 'up' } });
  });

  it('reports pending migrations as the schema check, not as a dead database', async () => {
    // Waits for migrations it has not run: PostgreSQL answers, the schema is pending.
    const pending = await startTestService({ ...db.env, MIGRATE_ON_START: 'true' }, { migrate: false });
    try {
      await request(pending.app)
        .get('/health/ready')
        .expect(503, { status: 'not_ready', checks: { database: 'up', schema: 'pending' } });
      expect(await metricValue(pending, 'app_dependency_up', { dependency: 'database' })).toBe(1);
      expect(await metricValue(pending, 'app_dependency_up', { dependency: 'schema' })).toBe(0);
      expect(await metricValue(pending, 'app_ready')).toBe(0);
      pending.readiness.markSchemaReady();
      await request(pending.app)
        .get('/health/ready')
        .expect(200, { status: 'ready', checks: { database: 'up', schema: 'up' } });
      expect(await metricValue(pending, 'app_dependency_up', { dependency: 'schema' })).toBe(1);
    } finally {
      await pending.close();
    }
  });
});
