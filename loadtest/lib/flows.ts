/**
 * The flows' logic, over an injected transport: in k6 it sends with k6/http,
 * checks with k6's check() and sleeps with k6's sleep() (k6/script.ts); the
 * unit tests drive it with an in-memory API to prove what it sends and that
 * it cleans up after itself.
 */
import { chaosKind, type LoadConfig } from './config.ts';
import {
  createTodo,
  deleteLeftover,
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
  type RequestSpec,
} from './requests.ts';

export interface Answer {
  status: number;
  body: string | null;
}

export interface Transport {
  send(spec: RequestSpec, tags?: Record<string, string>): Answer;
  /** Records named checks on an answer (k6's check()); true when all held. */
  check(answer: Answer, checks: Record<string, (answer: Answer) => boolean>, tags: Record<string, string>): boolean;
  sleep(seconds: number): void;
}

const USER = { flow: 'user' };
const CHAOS = { flow: 'chaos' };
const body = (answer: Answer) => parseJson(answer.body);

/** One user: list, create, toggle, edit, delete, with think time; the todo is deleted whatever happens after its creation. */
export function userFlow(t: Transport, config: LoadConfig, title: string): void {
  const base = config.baseUrl;
  const think = () => {
    if (config.thinkTimeSeconds > 0) t.sleep(config.thinkTimeSeconds);
  };

  const list = t.send(listTodos(base));
  t.check(list, { 'list: status 200': (r) => r.status === 200, 'list: a page of todos': (r) => isTodoPage(body(r)) }, USER);
  think();

  const created = t.send(createTodo(base, title));
  const todo = body(created);
  t.check(
    created,
    {
      'create: status 201': (r) => r.status === 201,
      'create: the new todo': () => isTodo(todo, { title, completed: false }),
    },
    USER,
  );
  // Without a todo in the answer there is no id to go on with (teardown sweeps
  // by title); with one, the flow goes on even if a check failed, and deletes it.
  if (!isTodo(todo)) return;

  try {
    think();
    const toggled = t.send(toggleTodo(base, todo.id, true));
    t.check(
      toggled,
      {
        'toggle: status 200': (r) => r.status === 200,
        'toggle: completed': (r) => isTodo(body(r), { id: todo.id, completed: true }),
      },
      USER,
    );
    think();
    const newTitle = `${title} edited`;
    const edited = t.send(editTodo(base, todo.id, newTitle));
    t.check(
      edited,
      {
        'edit: status 200': (r) => r.status === 200,
        'edit: new title': (r) => isTodo(body(r), { id: todo.id, title: newTitle }),
      },
      USER,
    );
    think();
  } finally {
    const deleted = t.send(deleteTodo(base, todo.id));
    t.check(deleted, { 'delete: status 204': (r) => r.status === 204 }, USER);
  }
}

/** One drill request to the API itself: a 500 or a slow answer, in CHAOS_ERROR_SHARE proportion. */
export function chaosFlow(t: Transport, config: LoadConfig, iteration: number): void {
  const base = config.chaosBaseUrl;
  if (chaosKind(iteration, config.chaosErrorShare) === 'error') {
    t.check(
      t.send(simulateError(base)),
      {
        'drill error: status 500': (r) => r.status === 500,
        'drill error: INTERNAL error body': (r) => isApiError(body(r), 'INTERNAL'),
      },
      CHAOS,
    );
  } else {
    t.check(
      t.send(simulateLatency(base, config.chaosLatencyMs)),
      {
        'drill latency: status 200': (r) => r.status === 200,
        'drill latency: delayed as asked': (r) => isDelay(body(r), config.chaosLatencyMs),
      },
      CHAOS,
    );
  }
}

/** Deletes every todo whose title starts with `prefix` (what interrupted iterations left); answers how many. */
export function sweep(t: Transport, config: LoadConfig, prefix: string): number {
  const leftovers: number[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = body(t.send(listTodosPage(config.baseUrl, offset), { name: '/api/todos', flow: 'teardown' }));
    if (!isTodoPage(page)) break;
    for (const item of page.items) if (item.title.startsWith(prefix)) leftovers.push(item.id);
    if (page.items.length < 100) break;
  }
  for (const id of leftovers) t.send(deleteLeftover(config.baseUrl, id), { name: '/api/todos/:id', flow: 'teardown' });
  return leftovers.length;
}

/** Seconds between sweeps: requests still queued in the API when the run stopped land within them. */
const SWEEP_PAUSE_SECONDS = 5;
const SWEEP_PASSES = 5;

/**
 * teardown()'s clean-up: sweep() again after a pause for as long as the last
 * pass found something (at most SWEEP_PASSES passes). After an abort the API
 * still answers the requests interrupted iterations had sent, so a create can
 * land after the first pass listed the todos: under a real k6 each aborted
 * breakpoint run left two todos behind with a single pass. Answers how many it deleted.
 */
export function sweepUntilClean(t: Transport, config: LoadConfig, prefix: string): number {
  let total = 0;
  for (let pass = 1; pass <= SWEEP_PASSES; pass += 1) {
    if (pass > 1) t.sleep(SWEEP_PAUSE_SECONDS);
    const found = sweep(t, config, prefix);
    total += found;
    if (found === 0) break;
  }
  return total;
}
