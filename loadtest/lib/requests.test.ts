import { describe, expect, it } from 'vitest';
import {
  ROUTES,
  createTodo,
  deleteTodo,
  editTodo,
  isApiError,
  isDelay,
  isTodo,
  isTodoPage,
  listTodos,
  listTodosPage,
  parseJson,
  simulateError,
  simulateLatency,
  toggleTodo,
} from './requests.ts';

const BASE = 'http://frontend:8080';
const API = 'http://api:8000';
const todo = { id: 7, title: 'k6 x', completed: false, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };

describe('request builders', () => {
  const all = [
    listTodos(BASE),
    listTodosPage(BASE, 200),
    createTodo(BASE, 'k6 x'),
    toggleTodo(BASE, 7, true),
    editTodo(BASE, 7, 'renamed'),
    deleteTodo(BASE, 7),
    simulateError(API),
    simulateLatency(API, 1500),
  ];

  it('build the user flow against BASE_URL and the drills against CHAOS_BASE_URL, nowhere else', () => {
    for (const spec of all) {
      const base = spec.tags.flow === 'chaos' ? API : BASE;
      expect(spec.url.startsWith(`${base}/api/`), spec.url).toBe(true);
    }
    expect(all.map((s) => `${s.method} ${s.url.replace(/^http:\/\/[^/]+/, '')}`)).toEqual([
      'GET /api/todos?limit=20',
      'GET /api/todos?limit=100&offset=200',
      'POST /api/todos',
      'PATCH /api/todos/7',
      'PATCH /api/todos/7',
      'DELETE /api/todos/7',
      'GET /api/simulate-error',
      'GET /api/simulate-latency?ms=1500',
    ]);
  });

  it('tag each request with the route template, not the concrete URL', () => {
    expect(all.map((s) => s.tags.name)).toEqual([
      ROUTES.todos,
      ROUTES.todos,
      ROUTES.todos,
      '/api/todos/:id',
      '/api/todos/:id',
      '/api/todos/:id',
      '/api/simulate-error',
      '/api/simulate-latency',
    ]);
  });

  it('send JSON bodies with their content type, and none on GET and DELETE', () => {
    expect(createTodo(BASE, 'a "quoted" title')).toMatchObject({
      body: '{"title":"a \\"quoted\\" title"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(toggleTodo(BASE, 1, true).body!)).toEqual({ completed: true });
    expect(JSON.parse(editTodo(BASE, 1, 'x').body!)).toEqual({ title: 'x' });
    for (const spec of [listTodos(BASE), deleteTodo(BASE, 1), simulateError(API)]) {
      expect(spec.body).toBeNull();
      expect(spec.headers['Content-Type']).toBeUndefined();
    }
  });

  it('expect the status each endpoint answers on success; the drill 500 counts as expected', () => {
    expect(all.map((s) => s.expectedStatuses)).toEqual([[200], [200], [201], [200], [200], [204], [500], [200]]);
  });

  it('refuse ids and delays the API would reject, instead of sending them', () => {
    for (const id of [0, -1, 1.5, 2 ** 31, Number.NaN]) expect(() => deleteTodo(BASE, id)).toThrow(/not a todo id/);
    for (const ms of [-1, 10_001, 0.5]) expect(() => simulateLatency(API, ms)).toThrow(/0-10000 ms/);
  });
});

describe('body checks', () => {
  it('recognise a todo, optionally with given fields', () => {
    expect(isTodo(todo)).toBe(true);
    expect(isTodo(todo, { id: 7, completed: false })).toBe(true);
    expect(isTodo(todo, { completed: true })).toBe(false);
    expect(isTodo({ ...todo, id: '7' })).toBe(false);
    expect(isTodo({ ...todo, createdAt: undefined })).toBe(false);
    expect(isTodo([todo])).toBe(false);
  });

  it('recognise a page of todos', () => {
    expect(isTodoPage({ items: [todo], total: 1, limit: 20, offset: 0 })).toBe(true);
    expect(isTodoPage({ items: [], total: 0, limit: 20, offset: 0 })).toBe(true);
    expect(isTodoPage({ items: [{ id: 1 }], total: 1, limit: 20, offset: 0 })).toBe(false);
    expect(isTodoPage({ items: [todo] })).toBe(false);
  });

  it('recognise the API error shape and the delay answer', () => {
    expect(isApiError({ error: { code: 'INTERNAL', message: 'x', requestId: 'r' } }, 'INTERNAL')).toBe(true);
    expect(isApiError({ error: { code: 'NOT_FOUND', message: 'x', requestId: 'r' } }, 'INTERNAL')).toBe(false);
    expect(isApiError({ error: 'INTERNAL' }, 'INTERNAL')).toBe(false);
    expect(isDelay({ delayedMs: 1500 }, 1500)).toBe(true);
    expect(isDelay({ delayedMs: 0 }, 1500)).toBe(false);
  });

  it('parse JSON without throwing on HTML error pages or empty bodies', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(parseJson('')).toBeUndefined();
    expect(parseJson(null)).toBeUndefined();
  });
});
