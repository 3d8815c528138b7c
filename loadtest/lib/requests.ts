/**
 * The flows' HTTP requests, as plain data: k6's entry files send them with
 * k6/http, the unit tests inspect them under Node. Every URL is built from a
 * configured base URL and a fixed path, so a run reaches nothing else.
 *
 * `name` is the API's route template (the `route` label of its own metrics),
 * so k6's series and the API's line up per endpoint and a run with a thousand
 * todo ids still has one series per route.
 */
// A type only: k6 strips it, so its runtime never resolves the package.
import type { Todo } from '@observable-todo/contract';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Flow = 'user' | 'chaos';

export const ROUTES = {
  todos: '/api/todos',
  todo: '/api/todos/:id',
  simulateError: '/api/simulate-error',
  simulateLatency: '/api/simulate-latency',
} as const;
export type RouteName = (typeof ROUTES)[keyof typeof ROUTES];

/** The routes the user flow calls: one latency threshold each, as HighLatencyP95 is per route. */
export const USER_ROUTES: readonly RouteName[] = [ROUTES.todos, ROUTES.todo];

export interface RequestSpec {
  method: Method;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  tags: { name: RouteName; flow: Flow };
  /** Statuses that count as success for http_req_failed (k6's default is 200-399). */
  expectedStatuses: number[];
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

function request(
  method: Method,
  base: string,
  path: string,
  name: RouteName,
  flow: Flow,
  expectedStatuses: number[],
  body?: unknown,
): RequestSpec {
  return {
    method,
    url: `${base}${path}`,
    body: body === undefined ? null : JSON.stringify(body),
    headers: body === undefined ? { Accept: 'application/json' } : JSON_HEADERS,
    tags: { name, flow },
    expectedStatuses,
  };
}

function todoPath(id: number): string {
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new Error(`not a todo id: ${String(id)}`);
  return `${ROUTES.todos}/${id}`;
}

/** A page of 20, as the UI lists them. */
export const listTodos = (base: string) => request('GET', base, `${ROUTES.todos}?limit=20`, ROUTES.todos, 'user', [200]);
/** One page of `limit` todos from `offset`, for the run's clean-up. */
export const listTodosPage = (base: string, offset: number, limit = 100) =>
  request('GET', base, `${ROUTES.todos}?limit=${limit}&offset=${offset}`, ROUTES.todos, 'user', [200]);
export const createTodo = (base: string, title: string) => request('POST', base, ROUTES.todos, ROUTES.todos, 'user', [201], { title });
export const toggleTodo = (base: string, id: number, completed: boolean) =>
  request('PATCH', base, todoPath(id), ROUTES.todo, 'user', [200], { completed });
export const editTodo = (base: string, id: number, title: string) =>
  request('PATCH', base, todoPath(id), ROUTES.todo, 'user', [200], { title });
export const deleteTodo = (base: string, id: number) => request('DELETE', base, todoPath(id), ROUTES.todo, 'user', [204]);
/**
 * The run's clean-up: a todo already gone (404) is as good as deleted. After an abort, a request of an
 * interrupted iteration can still delete its todo after the sweep listed it.
 */
export const deleteLeftover = (base: string, id: number) => request('DELETE', base, todoPath(id), ROUTES.todo, 'user', [204, 404]);

/** A drill 500: expected, so it does not count as a failed request of the run. */
export const simulateError = (chaosBase: string) => request('GET', chaosBase, ROUTES.simulateError, ROUTES.simulateError, 'chaos', [500]);
export const simulateLatency = (chaosBase: string, ms: number) => {
  if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) throw new Error(`simulated latency must be 0-10000 ms, got ${String(ms)}`);
  return request('GET', chaosBase, `${ROUTES.simulateLatency}?ms=${ms}`, ROUTES.simulateLatency, 'chaos', [200]);
};

// ---------------------------------------------------------------------------
// Body checks: what each answer must contain, on the parsed JSON body.

export type { Todo };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse that answers undefined instead of throwing (an HTML error page, an empty body). */
export function parseJson(body: string | null | undefined): unknown {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function isTodo(value: unknown, expected: Partial<Todo> = {}): value is Todo {
  if (!isObject(value)) return false;
  const shaped =
    Number.isInteger(value.id) &&
    typeof value.title === 'string' &&
    typeof value.completed === 'boolean' &&
    typeof value.createdAt === 'string' &&
    typeof value.updatedAt === 'string';
  return shaped && Object.entries(expected).every(([key, wanted]) => value[key] === wanted);
}

export function isTodoPage(value: unknown): value is { items: Todo[]; total: number; limit: number; offset: number } {
  return (
    isObject(value) &&
    Array.isArray(value.items) &&
    value.items.every((item) => isTodo(item)) &&
    Number.isInteger(value.total) &&
    Number.isInteger(value.limit) &&
    Number.isInteger(value.offset)
  );
}

/** The API's error shape with the given code (`INTERNAL` for the drill 500). */
export function isApiError(value: unknown, code: string): boolean {
  return isObject(value) && isObject(value.error) && value.error.code === code && typeof value.error.requestId === 'string';
}

export function isDelay(value: unknown, ms: number): boolean {
  return isObject(value) && value.delayedMs === ms;
}
