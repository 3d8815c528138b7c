import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { chaosFlow, sweep, sweepUntilClean, userFlow, type Answer, type Transport } from './flows.ts';
import type { RequestSpec, Todo } from './requests.ts';

/**
 * A todo API in memory, answering the request specs the flows send the way the
 * real one does (README, "The API"), recording every request, check and pause.
 * `override` answers a request differently (a failure in the middle of a flow).
 */
class MemoryApi implements Transport {
  todos = new Map<number, Todo>();
  sent: string[] = [];
  checks: { name: string; ok: boolean; flow: string }[] = [];
  pauses: number[] = [];
  private nextId = 1;

  constructor(private readonly override: (spec: RequestSpec) => Answer | undefined = () => undefined) {}

  seed(title: string): void {
    const id = this.nextId++;
    this.todos.set(id, { id, title, completed: false, createdAt: 'now', updatedAt: 'now' });
  }

  send(spec: RequestSpec): Answer {
    const url = new URL(spec.url);
    this.sent.push(`${spec.method} ${url.host}${url.pathname}${url.search}`);
    const overridden = this.override(spec);
    if (overridden) return overridden;
    const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });
    const id = Number(url.pathname.split('/')[3]);
    const input = spec.body === null ? {} : (JSON.parse(spec.body) as Partial<Todo>);
    const existing = this.todos.get(id);
    switch (`${spec.method} ${spec.tags.name}`) {
      case 'GET /api/todos': {
        const limit = Number(url.searchParams.get('limit') ?? 50);
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const items = [...this.todos.values()].slice(offset, offset + limit);
        return json(200, { items, total: this.todos.size, limit, offset });
      }
      case 'POST /api/todos': {
        const todo = { id: this.nextId++, title: input.title!, completed: false, createdAt: 'now', updatedAt: 'now' };
        this.todos.set(todo.id, todo);
        return json(201, todo);
      }
      case 'PATCH /api/todos/:id':
        if (!existing) return json(404, { error: { code: 'NOT_FOUND', message: 'x', requestId: 'r' } });
        Object.assign(existing, input);
        return json(200, existing);
      case 'DELETE /api/todos/:id':
        return this.todos.delete(id) ? { status: 204, body: '' } : json(404, {});
      case 'GET /api/simulate-error':
        return json(500, { error: { code: 'INTERNAL', message: 'x', requestId: 'r' } });
      case 'GET /api/simulate-latency':
        return json(200, { delayedMs: Number(url.searchParams.get('ms')) });
      default:
        throw new Error(`unexpected ${spec.method} ${spec.url}`);
    }
  }

  check(answer: Answer, checks: Record<string, (a: Answer) => boolean>, tags: Record<string, string>): boolean {
    const results = Object.entries(checks).map(([name, fn]) => ({ name, ok: fn(answer), flow: tags.flow ?? '' }));
    this.checks.push(...results);
    return results.every((r) => r.ok);
  }

  sleep(seconds: number): void {
    this.pauses.push(seconds);
  }
}

const config = parseConfig({ THINK_TIME_SECONDS: '0.5' });

describe('the user flow', () => {
  it('lists, creates, toggles, edits and deletes through BASE_URL, thinking between steps, every check passing', () => {
    const api = new MemoryApi();
    userFlow(api, config, 'k6 run1 vu1 it0');
    expect(api.sent).toEqual([
      'GET frontend:8080/api/todos?limit=20',
      'POST frontend:8080/api/todos',
      'PATCH frontend:8080/api/todos/1',
      'PATCH frontend:8080/api/todos/1',
      'DELETE frontend:8080/api/todos/1',
    ]);
    expect(api.pauses).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(api.checks.filter((c) => !c.ok)).toEqual([]);
    expect(api.checks).toHaveLength(9);
    expect(new Set(api.checks.map((c) => c.flow))).toEqual(new Set(['user']));
    expect(api.todos.size).toBe(0);
  });

  it('deletes the todo it created even when a later step fails, and the failure shows in the checks', () => {
    const api = new MemoryApi((spec) => (spec.method === 'PATCH' ? { status: 503, body: '{}' } : undefined));
    userFlow(api, config, 'k6 run1 vu1 it1');
    expect(api.sent.at(-1)).toBe('DELETE frontend:8080/api/todos/1');
    expect(api.todos.size).toBe(0);
    expect(api.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'toggle: status 200',
      'toggle: completed',
      'edit: status 200',
      'edit: new title',
    ]);
  });

  it('deletes the todo when a step throws (a k6 abort mid-iteration), and lets the error through', () => {
    const api = new MemoryApi((spec) => {
      if (spec.method === 'PATCH') throw new Error('aborted');
      return undefined;
    });
    expect(() => userFlow(api, config, 'k6 run1 vu1 it2')).toThrow('aborted');
    expect(api.todos.size).toBe(0);
  });

  it('still deletes a created todo whose answer failed a check', () => {
    const api = new MemoryApi((spec) =>
      spec.method === 'POST'
        ? { status: 200, body: JSON.stringify({ id: 41, title: 'k6 run1 vu1 it3', completed: false, createdAt: 'x', updatedAt: 'x' }) }
        : undefined,
    );
    api.todos.set(41, { id: 41, title: 'k6 run1 vu1 it3', completed: false, createdAt: 'x', updatedAt: 'x' });
    userFlow(api, config, 'k6 run1 vu1 it3');
    expect(api.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['create: status 201']);
    expect(api.todos.has(41)).toBe(false);
  });

  it('stops after a failed create (no id to go on with), sending nothing more', () => {
    const api = new MemoryApi((spec) => (spec.method === 'POST' ? { status: 502, body: '<html>' } : undefined));
    userFlow(api, config, 'k6 run1 vu1 it4');
    expect(api.sent).toEqual(['GET frontend:8080/api/todos?limit=20', 'POST frontend:8080/api/todos']);
  });

  it('does not pause at all with THINK_TIME_SECONDS=0', () => {
    const api = new MemoryApi();
    userFlow(api, parseConfig({ THINK_TIME_SECONDS: '0' }), 'k6 run1 vu1 it5');
    expect(api.pauses).toEqual([]);
  });
});

describe('the chaos flow', () => {
  it('sends drills to CHAOS_BASE_URL only, errors and delays in CHAOS_ERROR_SHARE proportion, checks passing', () => {
    const api = new MemoryApi();
    const chaos = parseConfig({ CHAOS_SHARE: '0.5', CHAOS_ERROR_SHARE: '0.25', CHAOS_LATENCY_MS: '1500' });
    for (let i = 0; i < 100; i += 1) chaosFlow(api, chaos, i);
    expect(api.sent.filter((s) => s === 'GET api:8000/api/simulate-error')).toHaveLength(25);
    expect(api.sent.filter((s) => s === 'GET api:8000/api/simulate-latency?ms=1500')).toHaveLength(75);
    expect(api.checks.filter((c) => !c.ok)).toEqual([]);
    expect(new Set(api.checks.map((c) => c.flow))).toEqual(new Set(['chaos']));
  });
});

describe('the teardown sweep', () => {
  it("deletes only this run's todos, across pages, and counts them", () => {
    const api = new MemoryApi();
    for (let i = 0; i < 150; i += 1) api.seed(i % 3 === 0 ? `k6 run1 vu1 it${i}` : `someone's todo ${i}`);
    api.seed('k6 run2 vu1 it0');
    expect(sweep(api, config, 'k6 run1 ')).toBe(50);
    expect([...api.todos.values()].filter((t) => t.title.startsWith('k6 run1 '))).toEqual([]);
    expect(api.todos.size).toBe(101);
    expect(api.sent.filter((s) => s.startsWith('GET'))).toEqual([
      'GET frontend:8080/api/todos?limit=100&offset=0',
      'GET frontend:8080/api/todos?limit=100&offset=100',
    ]);
  });

  // Seen under a real k6 after a breakpoint abort: a request of an interrupted iteration still deleted its todo
  // after the sweep had listed it, and the sweep's DELETE answered 404, counted as a failed request of the run.
  it('takes a 404 for a todo already gone as done, not as a failed request', () => {
    const deletes: RequestSpec[] = [];
    const api = new MemoryApi((spec) => {
      if (spec.method === 'DELETE') deletes.push(spec);
      return undefined;
    });
    api.seed('k6 run1 vu1 it0');
    expect(sweep(api, config, 'k6 run1 ')).toBe(1);
    expect(deletes.map((d) => d.expectedStatuses)).toEqual([[204, 404]]);
  });

  // Seen under a real k6: each aborted breakpoint run left 2 todos, created by POSTs of interrupted iterations
  // that the API answered after teardown's sweep had listed the todos.
  it('sweeps again after a pause while the last pass found something, so late creates are caught too', () => {
    let late = 2;
    const api: MemoryApi = new MemoryApi((spec) => {
      // While the first pass deletes, requests still in the API's queue create todos of the run.
      if (spec.method === 'DELETE' && late > 0) {
        late -= 1;
        api.seed(`k6 run1 vu9 it${late}`);
      }
      return undefined;
    });
    for (let i = 0; i < 5; i += 1) api.seed(`k6 run1 vu1 it${i}`);
    api.seed("someone's todo");
    expect(sweepUntilClean(api, config, 'k6 run1 ')).toBe(7);
    expect([...api.todos.values()].map((t) => t.title)).toEqual(["someone's todo"]);
    // Pass 1 found 5 (2 more arrived meanwhile), pass 2 found those 2, pass 3 found none.
    expect(api.pauses).toEqual([5, 5]);
  });

  it('stops after a bounded number of passes when something keeps creating', () => {
    const api: MemoryApi = new MemoryApi((spec) => {
      if (spec.method === 'DELETE') api.seed('k6 run1 again');
      return undefined;
    });
    api.seed('k6 run1 first');
    expect(sweepUntilClean(api, config, 'k6 run1 ')).toBe(5);
    expect(api.pauses).toEqual([5, 5, 5, 5]);
  });
});
