import { describe, expect, it } from 'vitest';
import { TodoApi } from './api.js';
import { ApiError } from './api-error.js';

const at = '2026-01-01T00:00:00.000Z';
const todo = (id: number) => ({ id, title: `t${id}`, completed: false, createdAt: at, updatedAt: at });

type Call = { url: string; method: string | undefined; body: string | null };

function fakeFetch(responses: (() => Response)[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl = (url: string, init?: RequestInit): Promise<Response> => {
    calls.push({ url, method: init?.method, body: typeof init?.body === 'string' ? init.body : null });
    const next = responses.shift();
    return next ? Promise.resolve(next()) : Promise.reject(new TypeError('Failed to fetch'));
  };
  return { fetch: fetchImpl as unknown as typeof fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('TodoApi', () => {
  it('walks every page of the list', async () => {
    const first = Array.from({ length: 100 }, (_, i) => todo(i + 1));
    const { fetch, calls } = fakeFetch([
      () => json(200, { items: first, total: 101, limit: 100, offset: 0 }),
      () => json(200, { items: [todo(101)], total: 101, limit: 100, offset: 100 }),
    ]);
    const todos = await new TodoApi('/api', fetch).listAll();
    expect(todos).toHaveLength(101);
    expect(calls.map((call) => call.url)).toEqual(['/api/todos?limit=100&offset=0', '/api/todos?limit=100&offset=100']);
  });

  it('sends JSON bodies and reads the saved todo', async () => {
    const { fetch, calls } = fakeFetch([
      () => json(201, todo(9)),
      () => json(200, { ...todo(9), completed: true }),
      () => new Response(null, { status: 204 }),
    ]);
    const api = new TodoApi('https://api.example.com/api', fetch);
    expect(await api.create('t9')).toEqual(todo(9));
    expect((await api.update(9, { completed: true })).completed).toBe(true);
    await api.remove(9);
    expect(calls.map((call) => `${call.method} ${call.url} ${call.body}`)).toEqual([
      'POST https://api.example.com/api/todos {"title":"t9"}',
      'PATCH https://api.example.com/api/todos/9 {"completed":true}',
      'DELETE https://api.example.com/api/todos/9 null',
    ]);
  });

  it('turns an error envelope into an ApiError with the request id', async () => {
    const { fetch } = fakeFetch([() => json(400, { error: { code: 'VALIDATION_ERROR', message: 'Title is too long', requestId: 'r-1' } })]);
    const failure = await new TodoApi('/api', fetch).create('x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).info).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', requestId: 'r-1' });
  });

  it('reports a bare 502 page with the X-Request-Id header, and a dead network without one', async () => {
    const { fetch } = fakeFetch([
      () => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'X-Request-Id': 'edge-1' } }),
    ]);
    const api = new TodoApi('/api', fetch);
    await expect(api.listAll()).rejects.toMatchObject({ info: { status: 502, requestId: 'edge-1' } });
    await expect(api.listAll()).rejects.toMatchObject({ info: { status: 0, code: 'NETWORK_ERROR', requestId: null } });
  });

  it('refuses a 200 that is not the API talking', async () => {
    const { fetch } = fakeFetch([() => new Response('<html>index</html>', { status: 200, headers: { 'X-Request-Id': 'r-2' } })]);
    await expect(new TodoApi('/api', fetch).listAll()).rejects.toMatchObject({ info: { code: 'UNEXPECTED_RESPONSE', requestId: 'r-2' } });
  });
});
