import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { freePort } from '@observable-todo/test-support/ports';
import { startPostgres, type OwnPostgres } from '@observable-todo/test-support/postgres';
import { metricValue, startTestService, type TestService } from '../../test-support/service.js';

const execFileAsync = promisify(execFile);
const docker = (args: string[]) => execFileAsync('docker', args);

// Its own container: this file stops and starts PostgreSQL.
let db: OwnPostgres;
let service: TestService;

beforeAll(async () => {
  // A fixed host port: after `docker start` the database is back at the same address.
  db = await startPostgres({ hostPort: await freePort() });
  service = await startTestService(db.env);
});

afterAll(async () => {
  await service?.close();
  await db?.container.stop();
});

const readiness = async () => {
  const response = await request(service.app).get('/health/ready');
  return { status: response.status, body: response.body as unknown };
};

describe('when PostgreSQL goes away and comes back', () => {
  it('answers 503 on readiness and data routes while it is down, and recovers by itself', async () => {
    await request(service.app).post('/api/todos').send({ title: 'survives the outage' }).expect(201);
    await docker(['stop', '--time', '1', db.container.getId()]);

    const down = await pollUntil(readiness, (r) => r.status === 503, { timeoutMs: 15_000, what: 'readiness 503' });
    expect(down.body).toEqual({ status: 'not_ready', checks: { database: 'down', schema: 'up' } });
    await request(service.app).get('/health/live').expect(200, { status: 'ok' });

    const id = 'during-outage';
    const list = await request(service.app).get('/api/todos').set('X-Request-Id', id).expect(503);
    expect(list.body).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable, try again shortly', requestId: id },
    });
    await request(service.app).post('/api/todos').send({ title: 'rejected' }).expect(503);
    const [line] = service.logs.forRequest(id);
    expect(line).toMatchObject({ 'log.level': 'warn', 'http.response.status_code': 503, 'error.type': expect.any(String) });
    expect(line).not.toHaveProperty('error.stack_trace');
    expect(JSON.stringify(line)).not.toContain('todo-test-password');

    const metrics = await request(service.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^app_ready 0$/m);
    expect(metrics.text).toMatch(/^app_dependency_up\{dependency="database"\} 0$/m);
    expect(await metricValue(service, 'db_query_duration_seconds_count', { operation: 'list', outcome: 'error' })).toBeGreaterThan(0);

    await docker(['start', db.container.getId()]);
    const up = await pollUntil(readiness, (r) => r.status === 200, { timeoutMs: 60_000, what: 'readiness 200 again' });
    expect(up.body).toEqual({ status: 'ready', checks: { database: 'up', schema: 'up' } });
    const after = await request(service.app).get('/api/todos').expect(200);
    expect(after.body).toMatchObject({ total: 1, items: [{ title: 'survives the outage' }] });
  });
});

describe('when PostgreSQL is down at start-up', () => {
  it('starts anyway: live 200, ready 503, data routes 503', async () => {
    const orphan = await startTestService({ ...db.env, DB_PORT: String(await freePort()) }, { migrate: false });
    try {
      await request(orphan.app).get('/health/live').expect(200);
      await request(orphan.app).get('/health/ready').expect(503);
      const response = await request(orphan.app).get('/api/todos/1').expect(503);
      expect(response.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    } finally {
      await orphan.close();
    }
  });
});
