/**
 * The k6 side of a run: sends what lib/requests.ts builds, checks the
 * answers, and wires setup, teardown and the summary. Runs only inside k6
 * (it imports k6's modules); everything it decides with is in lib/, which the
 * unit tests cover under Node. Each entry file (loadtest/<shape>.ts) exports
 * what k6Script(shape) returns.
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse } from 'k6/http';
import { chaosKind, scenarioOverrideProblem } from '../lib/config.ts';
import { buildOptions, scenarioNames } from '../lib/options.ts';
import { chaosProblem, rateLimitProblem, stackProblem, type Probe } from '../lib/preflight.ts';
import {
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
  type RequestSpec,
} from '../lib/requests.ts';
import { peakRequestsPerMinute, type ShapeName } from '../lib/shapes.ts';
import { summaryFiles, type SummaryData } from '../lib/summary.ts';

export interface SetupData {
  /** In every title this run creates, so teardown finds what interrupted iterations left. */
  runId: string;
}

type Response = RefinedResponse<undefined>;

function send(spec: RequestSpec, tags: Record<string, string> = spec.tags): Response {
  return http.request(spec.method, spec.url, spec.body, {
    headers: spec.headers,
    tags,
    responseCallback: http.expectedStatuses(...spec.expectedStatuses),
    timeout: '15s',
  });
}

function body(response: Response): unknown {
  return parseJson(typeof response.body === 'string' ? response.body : null);
}

function toProbe(response: Response): Probe {
  return {
    url: response.request.url,
    status: response.status,
    body: typeof response.body === 'string' ? response.body : null,
    headers: response.headers,
    error: response.error,
  };
}

export function k6Script(shape: ShapeName) {
  const { config, options } = buildOptions(shape, __ENV);
  const userTags = { flow: 'user' };
  const chaosTags = { flow: 'chaos' };

  function think(): void {
    if (config.thinkTimeSeconds > 0) sleep(config.thinkTimeSeconds);
  }

  function setup(): SetupData {
    const problems: string[] = [];
    const running = Object.keys(exec.test.options.scenarios ?? {});
    const overridden = scenarioOverrideProblem(scenarioNames(options), running);
    if (overridden !== undefined) problems.push(overridden);

    // Tagged `setup`, so the probes stay out of the user flow's thresholds.
    const stack = send(listTodos(config.baseUrl), { name: '/api/todos', flow: 'setup' });
    const stackIssue = stackProblem(toProbe(stack));
    if (stackIssue !== undefined) problems.push(stackIssue);

    let peak = peakRequestsPerMinute(options.scenarios!.user!, 'user', config);
    const chaos = options.scenarios?.chaos;
    if (chaos !== undefined) {
      peak += peakRequestsPerMinute(chaos, 'chaos', config);
      const drill = send(simulateLatency(config.chaosBaseUrl, 0), { name: '/api/simulate-latency', flow: 'setup' });
      const chaosIssue = chaosProblem(toProbe(drill));
      if (chaosIssue !== undefined) problems.push(chaosIssue);
    }
    if (stackIssue === undefined) {
      const limiterIssue = rateLimitProblem(stack.headers, peak);
      if (limiterIssue !== undefined) problems.push(limiterIssue);
    }
    if (problems.length > 0) throw new Error(`k6 ${shape}: not starting:\n  - ${problems.join('\n  - ')}`);
    return { runId: `${Date.now().toString(36)}` };
  }

  /** One user: list, create, toggle, edit, delete, with think time; the todo is deleted whatever happened after its creation. */
  function userFlow(data: SetupData): void {
    const base = config.baseUrl;
    const list = send(listTodos(base));
    check(list, {
      'list: status 200': (r) => r.status === 200,
      'list: a page of todos': (r) => isTodoPage(body(r)),
    }, userTags);
    think();

    const title = `k6 ${data.runId} vu${exec.vu.idInTest} it${exec.vu.iterationInScenario}`;
    const created = send(createTodo(base, title));
    const todo = body(created);
    check(created, {
      'create: status 201': (r) => r.status === 201,
      'create: the new todo': () => isTodo(todo, { title, completed: false }),
    }, userTags);
    // Without a todo in the answer there is no id to go on with (teardown sweeps
    // by title); with one, the flow goes on even if a check failed, and deletes it.
    if (!isTodo(todo)) return;

    try {
      think();
      const toggled = send(toggleTodo(base, todo.id, true));
      check(toggled, {
        'toggle: status 200': (r) => r.status === 200,
        'toggle: completed': (r) => isTodo(body(r), { id: todo.id, completed: true }),
      }, userTags);
      think();
      const newTitle = `${title} edited`;
      const edited = send(editTodo(base, todo.id, newTitle));
      check(edited, {
        'edit: status 200': (r) => r.status === 200,
        'edit: new title': (r) => isTodo(body(r), { id: todo.id, title: newTitle }),
      }, userTags);
      think();
    } finally {
      const deleted = send(deleteTodo(base, todo.id));
      check(deleted, { 'delete: status 204': (r) => r.status === 204 }, userTags);
    }
  }

  /** One drill request to the API itself: a 500 or a slow answer, in CHAOS_ERROR_SHARE proportion. */
  function chaosFlow(): void {
    const base = config.chaosBaseUrl;
    if (chaosKind(exec.scenario.iterationInTest, config.chaosErrorShare) === 'error') {
      const response = send(simulateError(base));
      check(response, {
        'drill error: status 500': (r) => r.status === 500,
        'drill error: INTERNAL error body': (r) => isApiError(body(r), 'INTERNAL'),
      }, chaosTags);
    } else {
      const response = send(simulateLatency(base, config.chaosLatencyMs));
      check(response, {
        'drill latency: status 200': (r) => r.status === 200,
        'drill latency: delayed as asked': (r) => isDelay(body(r), config.chaosLatencyMs),
      }, chaosTags);
    }
  }

  /** Deletes what iterations cut short (graceful stop, abort) left behind: every todo titled with this run's id. */
  function teardown(data: SetupData): void {
    if (data === undefined) return;
    const prefix = `k6 ${data.runId} `;
    const tags = { name: '/api/todos', flow: 'teardown' };
    const leftovers: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = body(send(listTodosPage(config.baseUrl, offset), tags));
      if (!isTodoPage(page)) break;
      for (const item of page.items) if (item.title.startsWith(prefix)) leftovers.push(item.id);
      if (page.items.length < 100) break;
    }
    for (const id of leftovers) send(deleteTodo(config.baseUrl, id), { name: '/api/todos/:id', flow: 'teardown' });
    // k6's console is its log, the one place a run reports this.
    // eslint-disable-next-line no-console
    if (leftovers.length > 0) console.log(`teardown: deleted ${leftovers.length} todos that interrupted iterations left`);
  }

  /**
   * Only a run whose scenarios k6 replaced (--vus and friends) calls the
   * default function; setup() has refused it already, this is the backstop.
   */
  function replacedScenarios(): void {
    exec.test.abort(scenarioOverrideProblem(scenarioNames(options), ['default']));
  }

  function handleSummary(data: SummaryData): Record<string, string> {
    return summaryFiles(shape, data, config.resultsDir);
  }

  return { options, setup, userFlow, chaosFlow, teardown, handleSummary, replacedScenarios };
}
