/**
 * The k6 side of a run: k6's HTTP, checks and sleep as the flows' transport
 * (lib/flows.ts), and setup, teardown and the summary wired to k6. Runs only inside k6
 * (it imports k6's modules); everything it decides with is in lib/, which the
 * unit tests cover under Node. Each entry file (loadtest/<shape>.ts) exports
 * what k6Script(shape) returns.
 */
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse } from 'k6/http';
import { scenarioOverrideProblem } from '../lib/config.ts';
import * as flows from '../lib/flows.ts';
import { buildOptions, scenarioNames } from '../lib/options.ts';
import { chaosProblem, rateLimitProblem, stackProblem, type Probe } from '../lib/preflight.ts';
import { listTodos, simulateLatency, type RequestSpec } from '../lib/requests.ts';
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

function toProbe(response: Response): Probe {
  return {
    url: response.request.url,
    status: response.status,
    body: typeof response.body === 'string' ? response.body : null,
    headers: response.headers,
    error: response.error,
  };
}

/** k6's HTTP, check() and sleep() as the flows' transport. */
const transport: flows.Transport = {
  send: (spec, tags) => {
    const response = send(spec, tags);
    return { status: response.status, body: typeof response.body === 'string' ? response.body : null };
  },
  check: (answer, checks, tags) => check(answer, checks, tags),
  sleep: (seconds) => sleep(seconds),
};

export function k6Script(shape: ShapeName) {
  // setup() and the rest read `scenarios`, the script's own copy, never `options`:
  // k6 replaces the exported object's values after init (see ShapeOptions in lib/options.ts).
  const { config, options, scenarios } = buildOptions(shape, __ENV);
  function setup(): SetupData {
    const problems: string[] = [];
    // exec.test.options is a plain copy of k6's consolidated options: its scenario names are real.
    const running = Object.keys(exec.test.options.scenarios ?? {});
    const overridden = scenarioOverrideProblem(scenarioNames(scenarios), running);
    if (overridden !== undefined) problems.push(overridden);

    // Tagged `setup`, so the probes stay out of the user flow's thresholds.
    const stack = send(listTodos(config.baseUrl), { name: '/api/todos', flow: 'setup' });
    const stackIssue = stackProblem(toProbe(stack));
    if (stackIssue !== undefined) problems.push(stackIssue);

    let peak = peakRequestsPerMinute(scenarios.user, 'user', config);
    const chaos = scenarios.chaos;
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

  function userFlow(data: SetupData): void {
    flows.userFlow(transport, config, `k6 ${data.runId} vu${exec.vu.idInTest} it${exec.vu.iterationInScenario}`);
  }

  function chaosFlow(): void {
    flows.chaosFlow(transport, config, exec.scenario.iterationInTest);
  }

  /** Deletes what iterations cut short (graceful stop, abort) left behind: every todo titled with this run's id. */
  function teardown(data: SetupData): void {
    if (data === undefined) return;
    const swept = flows.sweepUntilClean(transport, config, `k6 ${data.runId} `);
    // k6's console is its log, the one place a run reports this.
    // eslint-disable-next-line no-console
    if (swept > 0) console.log(`teardown: deleted ${swept} todos that interrupted iterations left`);
  }

  /**
   * Only a run whose scenarios k6 replaced (--vus and friends) calls the
   * default function; setup() has refused it already, this is the backstop.
   */
  function replacedScenarios(): void {
    exec.test.abort(scenarioOverrideProblem(scenarioNames(scenarios), ['default']));
  }

  function handleSummary(data: SummaryData): Record<string, string> {
    return summaryFiles(shape, data, config.resultsDir);
  }

  return { options, setup, userFlow, chaosFlow, teardown, handleSummary, replacedScenarios };
}
