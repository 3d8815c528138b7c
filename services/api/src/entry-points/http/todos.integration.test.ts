import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@observable-todo/test-support/postgres';
import { baselineValue, metricValue, startTestService, type TestService } from '../../test-support/service.js';

let db: TestDatabase;
let service: TestService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db.env);
});

afterAll(async () => {
  await service?.close();
});

beforeEach(async () => {
  await service.sequelize.query('TRUNCATE todos RESTART IDENTITY');
});

const api = () => request(service.app);

async function createTodo(title: string, completed?: boolean) {
  const response = await api()
    .post('/api/todos')
    .send(completed === undefined ? { title } : { title, completed })
    .expect(201);
  return response.body as { id: number; title: string; completed: boolean; createdAt: string; updatedAt: string };
}

async function storedTitles(): Promise<string[]> {
  const [rows] = await service.sequelize.query('SELECT title FROM todos ORDER BY id');
  return (rows as { title: string }[]).map((row) => row.title);
}

describe('todos CRUD', () => {
  it('creates a todo with a trimmed title, a Location header and ISO timestamps', async () => {
    const response = await api().post('/api/todos').send({ title: '  buy milk  ' }).expect(201);
    expect(response.body).toEqual({
      id: 1,
      title: 'buy milk',
      completed: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(response.headers.location).toBe('/api/todos/1');
    expect(await storedTitles()).toEqual(['buy milk']);
  });

  it('accepts a title of exactly 200 characters counted as characters, not UTF-16 units', async () => {
    const title = '😀'.repeat(200);
    expect((await createTodo(title)).title).toBe(title);
  });

  it('reads one todo and answers 404 with the error shape for a missing one', async () => {
    const todo = await createTodo('read me');
    await api().get(`/api/todos/${todo.id}`).expect(200, todo);
    const missing = await api().get('/api/todos/999').expect(404);
    expect(missing.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'Todo not found', requestId: missing.headers['x-request-id'] },
    });
  });

  it('lists todos ordered by id with total, limit and offset, and filters by completed', async () => {
    for (const [title, completed] of [
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', true],
    ] as const) {
      await createTodo(title, completed);
    }
    const all = await api().get('/api/todos').expect(200);
    expect(all.body).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect((all.body as { items: { title: string }[] }).items.map((todo) => todo.title)).toEqual(['a', 'b', 'c', 'd']);

    const page = await api().get('/api/todos?limit=2&offset=1').expect(200);
    expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 1, items: [{ title: 'b' }, { title: 'c' }] });

    const done = await api().get('/api/todos?completed=true').expect(200);
    expect(done.body).toMatchObject({ total: 2, items: [{ title: 'b' }, { title: 'd' }] });

    await api().get('/api/todos?limit=100').expect(200);
  });

  it('answers the total past the last page too, where the page itself has no row', async () => {
    for (const [title, completed] of [
      ['a', false],
      ['b', true],
      ['c', false],
    ] as const) {
      await createTodo(title, completed);
    }
    await api().get('/api/todos?offset=3').expect(200, { items: [], total: 3, limit: 50, offset: 3 });
    await api().get('/api/todos?limit=1&offset=1000').expect(200, { items: [], total: 3, limit: 1, offset: 1000 });
    await api().get('/api/todos?completed=true&offset=1').expect(200, { items: [], total: 1, limit: 50, offset: 1 });
    await api().get('/api/todos?completed=false&offset=5').expect(200, { items: [], total: 2, limit: 50, offset: 5 });
  });

  it('formats stored timestamps as Date#toISOString does: UTC, milliseconds truncated, on read, list and update', async () => {
    const todo = await createTodo('timestamps');
    for (const [stored, written] of [
      ['2026-01-02 03:04:05.678999+00', '2026-01-02T03:04:05.678Z'],
      ['2026-12-31 23:59:59.999999-02', '2027-01-01T01:59:59.999Z'],
      ['2026-06-01 00:00:00+05:30', '2026-05-31T18:30:00.000Z'],
    ] as [string, string][]) {
      await service.sequelize.query('UPDATE todos SET created_at = $1 WHERE id = $2', { bind: [stored, todo.id] });
      expect(new Date(Date.parse(written)).toISOString()).toBe(written);
      expect(((await api().get(`/api/todos/${todo.id}`).expect(200)).body as { createdAt: string }).createdAt).toBe(written);
      const listed = (await api().get('/api/todos').expect(200)).body as { items: { id: number; createdAt: string }[] };
      expect(listed.items.find((item) => item.id === todo.id)?.createdAt).toBe(written);
      // The update goes through Sequelize's model (a Date), and must write the same string.
      expect(
        ((await api().patch(`/api/todos/${todo.id}`).send({ completed: true }).expect(200)).body as { createdAt: string }).createdAt,
      ).toBe(written);
    }
  });

  it('writes a todo the same way on create, read and list: its fields in order, ISO timestamps', async () => {
    const created = await api().post('/api/todos').send({ title: 'shape' }).expect(201);
    const read = await api()
      .get(`/api/todos/${(created.body as { id: number }).id}`)
      .expect(200);
    const listed = await api().get('/api/todos').expect(200);
    const fields = ['id', 'title', 'completed', 'createdAt', 'updatedAt'];
    for (const text of [created.text, read.text, JSON.stringify((listed.body as { items: unknown[] }).items[0])]) {
      const todo = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(todo)).toEqual(fields);
      expect(todo.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(todo.updatedAt).toBe(todo.createdAt);
    }
    expect(read.text).toBe(created.text);
  });

  it('updates title and completed, bumping updatedAt', async () => {
    const todo = await createTodo('draft');
    const updated = await api().patch(`/api/todos/${todo.id}`).send({ title: ' final ', completed: true }).expect(200);
    expect(updated.body).toMatchObject({ id: todo.id, title: 'final', completed: true, createdAt: todo.createdAt });
    expect(Date.parse((updated.body as { updatedAt: string }).updatedAt)).toBeGreaterThanOrEqual(Date.parse(todo.updatedAt));
    await api().get(`/api/todos/${todo.id}`).expect(200, updated.body);
  });

  it('deletes a todo once, then answers 404', async () => {
    const todo = await createTodo('short-lived');
    await api().delete(`/api/todos/${todo.id}`).expect(204, '');
    await api().delete(`/api/todos/${todo.id}`).expect(404);
    expect(await storedTitles()).toEqual([]);
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  const badBodies: [string, unknown][] = [
    ['missing title', {}],
    ['empty title', { title: '' }],
    ['blank title', { title: '   ' }],
    ['title too long', { title: 'x'.repeat(201) }],
    ['title of the wrong type', { title: 42 }],
    ['completed of the wrong type', { title: 'ok', completed: 'yes' }],
    ['unknown field', { title: 'ok', priority: 'high' }],
    ['NUL character', { title: 'a\u0000b' }],
    ['an array', [{ title: 'ok' }]],
  ];

  it.each(badBodies)('POST with %s → 400 VALIDATION_ERROR with details', async (_name, body) => {
    const response = await api()
      .post('/api/todos')
      .send(body as object)
      .expect(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', requestId: response.headers['x-request-id'] } });
    expect((response.body as { error: { details: unknown[] } }).error.details.length).toBeGreaterThan(0);
    expect(await storedTitles()).toEqual([]);
  });

  it('names the offending field in details', async () => {
    const response = await api().post('/api/todos').send({ title: 'ok', priority: 'high' }).expect(400);
    expect(response.body).toMatchObject({ error: { details: [{ field: 'priority', message: 'is not an allowed field' }] } });
  });

  it.each([
    ['empty patch', {}],
    ['title of the wrong type', { title: null }],
    ['completed of the wrong type', { completed: 1 }],
    ['unknown field', { done: true }],
  ])('PATCH with %s → 400 and the todo is unchanged', async (_name, body) => {
    const todo = await createTodo('keep me');
    await api().patch(`/api/todos/${todo.id}`).send(body).expect(400);
    await api().get(`/api/todos/${todo.id}`).expect(200, todo);
  });

  it('PATCH of a missing todo → 404', async () => {
    await api().patch('/api/todos/12345').send({ completed: true }).expect(404);
  });

  it.each(['abc', '0', '-1', '1.5', '2147483648', '01'])('malformed id %s → 400 on GET, PATCH and DELETE', async (id) => {
    const get = await api().get(`/api/todos/${id}`).expect(400);
    expect(get.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ field: 'id' }] } });
    await api().patch(`/api/todos/${id}`).send({ completed: true }).expect(400);
    await api().delete(`/api/todos/${id}`).expect(400);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'completed=yes', 'limit=1&limit=2', 'sort=title'])(
    'GET /api/todos?%s → 400',
    async (query) => {
      const response = await api().get(`/api/todos?${query}`).expect(400);
      expect(response.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    },
  );

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const response = await api().post('/api/todos').set('Content-Type', 'application/json').send('{"title": ').expect(400);
    expect(response.body).toMatchObject({ error: { code: 'MALFORMED_JSON' } });
    expect(await storedTitles()).toEqual([]);
  });

  it('a body over 16 KiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await api()
      .post('/api/todos')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: 'x'.repeat(17 * 1024) }))
      .expect(413);
    expect(response.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it.each([
    ['POST', 'text/plain'],
    ['POST', undefined],
    ['PATCH', 'application/x-www-form-urlencoded'],
  ])('%s with Content-Type %s → 415 UNSUPPORTED_MEDIA_TYPE', async (method, type) => {
    const todo = await createTodo('typed');
    const path = method === 'POST' ? '/api/todos' : `/api/todos/${todo.id}`;
    let call = method === 'POST' ? api().post(path) : api().patch(path);
    if (type !== undefined) call = call.set('Content-Type', type).send('title=x');
    const response = await call.expect(415);
    expect(response.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await storedTitles()).toEqual(['typed']);
  });

  it('an unknown route → 404 NOT_FOUND', async () => {
    const response = await api().get('/api/nope').expect(404);
    expect(response.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it.each([
    ['PUT', '/api/todos', 'GET, POST, HEAD, OPTIONS'],
    ['DELETE', '/api/todos', 'GET, POST, HEAD, OPTIONS'],
    ['POST', '/api/todos/1', 'GET, PATCH, DELETE, HEAD, OPTIONS'],
    ['POST', '/health/ready', 'GET, HEAD, OPTIONS'],
  ])('%s %s → 405 METHOD_NOT_ALLOWED with Allow', async (method, path, allow) => {
    const response = await request(service.app)[method.toLowerCase() as 'put'](path).expect(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.body).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('OPTIONS answers 204 with Allow', async () => {
    const response = await api().options('/api/todos/1').expect(204);
    expect(response.headers.allow).toBe('GET, PATCH, DELETE, HEAD, OPTIONS');
  });
});

describe('completion counting', () => {
  it('counts created, completed (once per transition) and deleted todos', async () => {
    const before = {
      created: await metricValue(service, 'todo_tasks_created_total'),
      completed: await metricValue(service, 'todo_tasks_completed_total'),
      deleted: await metricValue(service, 'todo_tasks_deleted_total'),
    };
    const todo = await createTodo('count me');
    await createTodo('born done', true);
    await api().patch(`/api/todos/${todo.id}`).send({ completed: true }).expect(200);
    await api().patch(`/api/todos/${todo.id}`).send({ completed: true }).expect(200);
    await api().patch(`/api/todos/${todo.id}`).send({ title: 'renamed' }).expect(200);
    await api().delete(`/api/todos/${todo.id}`).expect(204);
    await api().delete(`/api/todos/${todo.id}`).expect(404);

    expect(await metricValue(service, 'todo_tasks_created_total')).toBe(before.created + 2);
    expect(await metricValue(service, 'todo_tasks_completed_total')).toBe(before.completed + 2);
    expect(await metricValue(service, 'todo_tasks_deleted_total')).toBe(before.deleted + 1);
  });

  it('counts one completion when two requests complete the same todo at once', async () => {
    const todo = await createTodo('race');
    const before = await baselineValue(service, 'todo_tasks_completed_total');
    await Promise.all(Array.from({ length: 5 }, () => api().patch(`/api/todos/${todo.id}`).send({ completed: true }).expect(200)));
    expect(await metricValue(service, 'todo_tasks_completed_total')).toBe(before + 1);
  });
});
