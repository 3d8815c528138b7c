import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, migrateUp, testConfig, type Service } from '@observable-todo/api/testing';
import { startPostgres, type OwnPostgres } from '@observable-todo/test-support/postgres';
import { mappingProblems } from '@observable-todo/test-support/elasticsearch-mappings';
import { readRepoYaml } from '@observable-todo/test-support/repo';

/**
 * The API's real log lines (the real app, the real logger, a real PostgreSQL),
 * held against what the log pipeline installs: one JSON object per line, every
 * field mapped in logs@custom with a type that fits, `@timestamp` in a shape
 * Fluent Bit's time parser takes, and nothing secret.
 */
class RawCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

const SECRETS = {
  body: 'hunter2-body-secret',
  authorization: 'tok-secret-header',
  cookie: 'cookie-secret-value',
  query: 'query-secret-value',
};

let db: OwnPostgres;
let service: Service;
const raw = new RawCapture();

beforeAll(async () => {
  db = await startPostgres();
  service = createService(testConfig({ ...db.env, LOG_LEVEL: 'debug' }), { logStream: raw });
  await migrateUp(service.sequelize, service.logger);

  const api = () => request(service.app);
  const created = await api()
    .post(`/api/todos?token=${SECRETS.query}`)
    .set('Authorization', `Bearer ${SECRETS.authorization}`)
    .set('Cookie', `session=${SECRETS.cookie}`)
    .send({ title: `password=${SECRETS.body}` })
    .expect(201);
  await api().get('/api/todos').set('X-Request-Id', 'fields-check-1').expect(200);
  await api()
    .patch(`/api/todos/${(created.body as { id: number }).id}`)
    .send({ completed: true })
    .expect(200);
  await api().get('/api/todos/999999').expect(404);
  await api().patch('/api/todos/1').send({ title: 42, password: SECRETS.body }).expect(400);
  await api().post('/api/todos').set('Content-Type', 'application/json').send(`{"title": "${SECRETS.body}"`).expect(400);
  await api().get('/api/simulate-error').expect(500);
  await api().get('/health/live').expect(200);
  await api().get('/metrics').expect(200);
  // The database goes away: 503s with the driver's error in the line.
  await db.container.stop();
  await api().get('/api/todos').expect(503);
  await api().get('/health/ready').expect(503);
});

afterAll(async () => {
  await service?.sequelize.close().catch(() => undefined);
});

const lines = () => raw.text.split('\n').filter((line) => line !== '');

describe("the API's log lines against the pipeline's mappings", () => {
  it('are each one JSON object, and cover info, warn, error and debug lines with error fields', () => {
    const parsed = lines().map((line) => JSON.parse(line) as unknown);
    for (const entry of parsed) expect(entry !== null && typeof entry === 'object' && !Array.isArray(entry)).toBe(true);
    const documents = parsed as Record<string, unknown>[];
    expect(new Set(documents.map((d) => d['log.level']))).toEqual(new Set(['info', 'warn', 'error', 'debug']));
    expect(documents.some((d) => d['error.stack_trace'] !== undefined)).toBe(true);
    expect(documents.some((d) => d['http.response.status_code'] === 503)).toBe(true);
    expect(documents.length).toBeGreaterThanOrEqual(12);
  });

  it('has every field mapped in logs-custom.json with a type its value fits, and no string `log`', () => {
    const problems = lines().flatMap((line) =>
      mappingProblems(JSON.parse(line) as Record<string, unknown>).map((p) => `${p}  in ${line.slice(0, 120)}`),
    );
    expect(problems).toEqual([]);
  });

  it("writes @timestamp in the shape Fluent Bit's time parser takes", () => {
    const parsers = readRepoYaml<{ parsers: { name: string; regex?: string }[] }>('logging/fluent-bit/parsers.yaml').parsers;
    const fraction = new RegExp(parsers.find((p) => p.name === 'ts_fraction')!.regex!);
    for (const line of lines()) expect((JSON.parse(line) as Record<string, unknown>)['@timestamp']).toMatch(fraction);
  });

  it('carries no body, header, query string, password or connection string', () => {
    for (const secret of [...Object.values(SECRETS), db.env.DB_PASSWORD!]) expect(raw.text).not.toContain(secret);
    expect(raw.text).not.toMatch(/postgres(ql)?:\/\//i);
    expect(raw.text).not.toMatch(/authorization|cookie/i);
  });
});
