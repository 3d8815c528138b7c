/**
 * The load shapes, in one place. Each is the user flow's k6 scenario; the
 * chaos flow, when asked for, runs beside it with the same shape scaled by
 * CHAOS_SHARE. Rates are iterations per second (one iteration = one user's
 * list, create, toggle, edit, delete); LOAD_RATE scales every shape, LOAD_HOLD
 * sets the length of its steady phase.
 */
import type { PerVUIterationsScenario, RampingArrivalRateScenario, Scenario, Stage } from 'k6/options';
import { formatDuration, parseDuration, type LoadConfig } from './config.ts';

export const SHAPE_NAMES = ['smoke', 'average', 'stress', 'spike', 'soak', 'breakpoint'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Requests one iteration sends: the user flow's five steps, or one drill. */
export const REQUESTS_PER_ITERATION = { user: 5, chaos: 1 } as const;
/** Pauses between the user flow's five steps. */
const THINK_PAUSES = 4;
/** What a step costs besides thinking, for sizing the VU pool (the API answers in a few ms; 50 ms leaves room). */
const STEP_SECONDS = 0.05;
/**
 * Ceiling on k6's VUs: each costs memory in the k6 container (limit in
 * deploy/compose/loadtest.yaml). Past it k6 drops iterations and counts them
 * in `dropped_iterations`, visible in the summary and on the dashboard.
 */
export const MAX_VUS = 400;

export interface ShapeDescription {
  name: ShapeName;
  what: string;
  /** Default length of the steady phase (breakpoint: of its single ramp). */
  defaultHold: string;
}

export const SHAPES: Record<ShapeName, ShapeDescription> = {
  smoke: { name: 'smoke', what: '2 users, 3 iterations each: the scripts and the stack work', defaultHold: '0s' },
  average: { name: 'average', what: 'ramp to LOAD_RATE in 2m, hold, ramp down in 1m: a normal day', defaultHold: '10m' },
  stress: { name: 'stress', what: 'ramp to 2x LOAD_RATE in 5m, hold, ramp down in 2m: a heavy day', defaultHold: '10m' },
  spike: { name: 'spike', what: 'a minute at LOAD_RATE, then 10x within 10s, hold, back within 10s: a sudden rush', defaultHold: '1m' },
  soak: { name: 'soak', what: 'LOAD_RATE for hours: leaks, pool exhaustion, disk growth', defaultHold: '3h' },
  breakpoint: { name: 'breakpoint', what: 'rate rising linearly to 20x LOAD_RATE until a threshold aborts the run', defaultHold: '30m' },
};

export function isShapeName(value: string): value is ShapeName {
  return (SHAPE_NAMES as readonly string[]).includes(value);
}

/** Seconds one user-flow iteration takes, for sizing the VU pool. */
export function iterationSeconds(config: Pick<LoadConfig, 'thinkTimeSeconds'>): number {
  return THINK_PAUSES * config.thinkTimeSeconds + REQUESTS_PER_ITERATION.user * STEP_SECONDS;
}

function vuPool(peakRate: number, secondsPerIteration: number): { preAllocatedVUs: number; maxVUs: number } {
  // Little's law: concurrency = arrival rate x time in the system, with 50% headroom.
  const needed = Math.max(2, Math.ceil(peakRate * secondsPerIteration * 1.5));
  const preAllocatedVUs = Math.min(needed, MAX_VUS);
  return { preAllocatedVUs, maxVUs: Math.min(needed * 2, MAX_VUS) };
}

function arrival(stages: Stage[], secondsPerIteration: number): RampingArrivalRateScenario {
  const peak = Math.max(...stages.map((s) => s.target));
  return {
    executor: 'ramping-arrival-rate',
    exec: 'userFlow',
    startRate: 0,
    timeUnit: '1s',
    stages,
    ...vuPool(peak, secondsPerIteration),
    // Time for iterations in flight to finish after the last stage.
    gracefulStop: '30s',
  };
}

const round = (value: number) => Number(value.toFixed(3));
const stage = (seconds: number, target: number): Stage => ({ duration: formatDuration(seconds), target: round(target) });

/** The user flow's scenario for a shape. */
export function userScenario(shape: ShapeName, config: LoadConfig): Scenario {
  const r = config.rate;
  const hold = config.holdSeconds ?? parseDuration(SHAPES[shape].defaultHold);
  const perIteration = iterationSeconds(config);
  switch (shape) {
    case 'smoke': {
      const scenario: PerVUIterationsScenario = {
        executor: 'per-vu-iterations',
        exec: 'userFlow',
        vus: 2,
        iterations: 3,
        maxDuration: '2m',
      };
      return scenario;
    }
    case 'average':
      return arrival([stage(120, r), stage(hold, r), stage(60, 0)], perIteration);
    case 'stress':
      return arrival([stage(300, 2 * r), stage(hold, 2 * r), stage(120, 0)], perIteration);
    case 'spike':
      return arrival(
        [stage(30, r), stage(30, r), stage(10, 10 * r), stage(hold, 10 * r), stage(10, r), stage(60, r), stage(10, 0)],
        perIteration,
      );
    case 'soak':
      return arrival([stage(300, r), stage(hold, r), stage(300, 0)], perIteration);
    case 'breakpoint':
      return arrival([stage(hold, 20 * r)], perIteration);
  }
}

/**
 * The chaos flow beside the user flow: the same shape at CHAOS_SHARE of its
 * rate (smoke: that share of its iterations, at least one). Undefined when off.
 */
export function chaosScenario(user: Scenario, config: LoadConfig): Scenario | undefined {
  const share = config.chaosShare;
  if (share === 0) return undefined;
  if (user.executor === 'per-vu-iterations') {
    const total = (user.vus ?? 1) * (user.iterations ?? 1);
    return { ...user, exec: 'chaosFlow', vus: 1, iterations: Math.max(1, Math.round(total * share)) };
  }
  if (user.executor === 'ramping-arrival-rate') {
    const stages = user.stages.map((s) => ({ duration: s.duration, target: round(s.target * share) }));
    // A drill iteration is one request, at most CHAOS_LATENCY_MS long.
    const perIteration = config.chaosLatencyMs / 1000 + STEP_SECONDS;
    return { ...user, exec: 'chaosFlow', stages, ...vuPool(Math.max(...stages.map((s) => s.target)), perIteration) };
  }
  throw new Error(`no chaos variant for executor ${user.executor}`);
}

/** How long a scenario runs, in seconds, not counting graceful stops. */
export function scenarioSeconds(scenario: Scenario): number {
  switch (scenario.executor) {
    case 'ramping-arrival-rate':
    case 'ramping-vus':
      return scenario.stages.reduce((sum, s) => sum + parseDuration(s.duration), 0);
    case 'per-vu-iterations':
    case 'shared-iterations':
      return parseDuration(scenario.maxDuration ?? '10m');
    case 'constant-arrival-rate':
    case 'constant-vus':
      return parseDuration(scenario.duration);
  }
}

/**
 * Iterations a scenario starts: for arrival rates the area under the rate
 * curve (each stage ramps linearly from the previous target), for
 * per-VU iterations VUs x iterations.
 */
export function scenarioIterations(scenario: Scenario): number {
  if (scenario.executor === 'per-vu-iterations') return (scenario.vus ?? 1) * (scenario.iterations ?? 1);
  if (scenario.executor === 'ramping-arrival-rate') {
    let from = scenario.startRate ?? 0;
    let total = 0;
    for (const s of scenario.stages) {
      total += ((from + s.target) / 2) * parseDuration(s.duration);
      from = s.target;
    }
    return total / parseDuration(scenario.timeUnit ?? '1s');
  }
  throw new Error(`iterations of ${scenario.executor} are not computed here`);
}

/** Highest rate of requests a scenario asks for, per second (per-VU iterations: as fast as the think time lets them). */
export function peakRequestsPerSecond(scenario: Scenario, flow: 'user' | 'chaos', config: LoadConfig): number {
  const perIteration = REQUESTS_PER_ITERATION[flow];
  if (scenario.executor === 'ramping-arrival-rate') {
    return (Math.max(...scenario.stages.map((s) => s.target)) * perIteration) / parseDuration(scenario.timeUnit ?? '1s');
  }
  if (scenario.executor === 'per-vu-iterations') {
    const seconds = flow === 'user' ? iterationSeconds(config) : config.chaosLatencyMs / 1000 + STEP_SECONDS;
    return ((scenario.vus ?? 1) * perIteration) / seconds;
  }
  throw new Error(`peak rate of ${scenario.executor} is not computed here`);
}

/**
 * The most requests a scenario sends in any minute: the peak rate times 60,
 * but never more than all it sends when its total is bounded (smoke), so a
 * short run with no think time is not mistaken for a load the limiter would stop.
 */
export function peakRequestsPerMinute(scenario: Scenario, flow: 'user' | 'chaos', config: LoadConfig): number {
  const perMinute = peakRequestsPerSecond(scenario, flow, config) * 60;
  if (scenario.executor === 'per-vu-iterations') {
    return Math.min(perMinute, scenarioIterations(scenario) * REQUESTS_PER_ITERATION[flow]);
  }
  return perMinute;
}
