/**
 * k6 options for a shape: scenarios from shapes.ts, thresholds from the
 * service objectives (objectives.ts, generated from the Prometheus rules by
 * `npm run docs`).
 */
import type { Options, Scenario, Threshold } from 'k6/options';
import { parseConfig, type Env, type LoadConfig } from './config.ts';
import { OBJECTIVES, errorBudget, type Objectives } from './objectives.ts';
import { USER_ROUTES } from './requests.ts';
import { chaosScenario, userScenario, type ShapeName } from './shapes.ts';

/**
 * Thresholds per shape.
 *
 * - user requests: failure rate within the error budget (1 - availability
 *   objective) and p95 per route under HighLatencyP95's threshold, the two
 *   things the alerts watch; checks (status and body) at least as often
 *   right as the objective asks of requests;
 * - a hard limit: past HighErrorRate's paging ratio the run stops
 *   (`abortOnFail`; `delayAbortEval` lets a minute of samples accumulate so
 *   one early error among few requests does not end it);
 * - breakpoint: every objective aborts, since finding where one breaks is the point;
 * - drills: their checks only (the 500s they ask for are expected, see requests.ts).
 */
export function buildThresholds(shape: ShapeName, chaos: boolean, objectives: Objectives = OBJECTIVES): Record<string, Threshold[]> {
  const abort = shape === 'breakpoint';
  const hard = (threshold: string): Threshold => ({ threshold, abortOnFail: true, delayAbortEval: '1m' });
  const soft = (threshold: string): Threshold => (abort ? hard(threshold) : threshold);
  const budget = errorBudget(objectives);
  const latencyMs = objectives.latencyP95Seconds * 1000;

  const thresholds: Record<string, Threshold[]> = {
    'http_req_failed{flow:user}': [soft(`rate<${budget}`)],
    'checks{flow:user}': [`rate>${objectives.availability}`],
  };
  if (!abort) thresholds['http_req_failed{flow:user}']?.push(hard(`rate<${objectives.pagingErrorRatio}`));
  for (const route of USER_ROUTES) {
    thresholds[`http_req_duration{flow:user,name:${route}}`] = [soft(`p(95)<${latencyMs}`)];
  }
  if (chaos) thresholds['checks{flow:chaos}'] = [`rate>${objectives.availability}`];
  return thresholds;
}

/** The scenarios the script built: the user flow's, and the chaos flow's when it is on. */
export interface ShapeScenarios {
  user: Scenario;
  chaos?: Scenario;
}

export interface ShapeOptions {
  config: LoadConfig;
  /**
   * The script's own copy of its scenarios, for setup() and the rest of the
   * run. Not `options.scenarios`: after init k6 sets every option it read back
   * onto the exported `options` object as its own Go value (internal/js/bundle.go,
   * manipulateOptions), and the scenarios' value there has its methods as keys
   * (getFullExecutionRequirements, getSortedConfigs, ...), not `user`.
   */
  scenarios: Readonly<ShapeScenarios>;
  /** What the entry file exports as `options`; k6 owns it once init ends, so the script never reads it back. */
  options: Options;
}

/** Everything an entry file exports as `options`, from the shape and the environment. Throws ConfigError on bad settings. */
export function buildOptions(shape: ShapeName, env: Env): ShapeOptions {
  const config = parseConfig(env);
  const user = userScenario(shape, config);
  const chaos = chaosScenario(user, config);
  const scenarios: ShapeScenarios = chaos === undefined ? { user } : { user, chaos };
  return {
    config,
    scenarios: Object.freeze(scenarios),
    options: {
      // A copy: what k6 does to the exported object cannot reach the script's own.
      scenarios: JSON.parse(JSON.stringify(scenarios)) as Record<string, Scenario>,
      thresholds: buildThresholds(shape, chaos !== undefined),
      // Every series carries the shape, so Prometheus and the dashboard tell runs apart.
      tags: { shape },
      // Without `url` (one value per todo id) and the connection details: the
      // route template in `name` is the endpoint, and remote write gets one
      // series per route instead of one per URL.
      systemTags: ['status', 'method', 'name', 'group', 'check', 'error', 'error_code', 'scenario', 'expected_response'],
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
      setupTimeout: '30s',
      teardownTimeout: '2m',
    },
  };
}

/** The scenario names buildOptions produced: what setup() expects k6 to be running. */
export function scenarioNames(scenarios: Readonly<ShapeScenarios>): string[] {
  return Object.keys(scenarios);
}
