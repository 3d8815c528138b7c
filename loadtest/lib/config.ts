/**
 * A run's settings, from environment variables (k6's `__ENV`; `docker compose
 * run -e NAME=value`, or the shell, see deploy/compose/loadtest.yaml). Every
 * bad value is reported, on its own line, before any request is sent.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfig {
  /** Where users come in: the stack's public nginx. */
  baseUrl: string;
  /** Where drills go: the API itself on the compose network (nginx refuses the drill endpoints). */
  chaosBaseUrl: string;
  /** Arrival rate of user-flow iterations per second that the shapes scale from. */
  rate: number;
  /** Length of the steady phase in seconds, when set (each shape has its own default). */
  holdSeconds: number | undefined;
  /** Chaos iterations per user iteration, 0 (off) to 1. */
  chaosShare: number;
  /** Of the chaos iterations, the share that asks for a 500; the rest ask for latency. */
  chaosErrorShare: number;
  chaosLatencyMs: number;
  /** Pause between a user's steps, in seconds. */
  thinkTimeSeconds: number;
  resultsDir: string;
}

export const DEFAULTS = {
  baseUrl: 'http://frontend:8080',
  chaosBaseUrl: 'http://api:8000',
  rate: 5,
  chaosShare: 0,
  chaosErrorShare: 0.5,
  // Above HighLatencyP95's 1 s, so a latency drill can make it fire.
  chaosLatencyMs: 1500,
  thinkTimeSeconds: 0.5,
  resultsDir: '/results',
} as const;

/**
 * k6 replaces every scenario with one plain `vus`/`duration` run when any of
 * these is set (the CLI flags --vus, --duration, --iterations, --stages or
 * their K6_* variables), and only warns. Such a run has none of the shapes'
 * arrival rates, so it measures something else under the same name.
 */
export const SCENARIO_OVERRIDES = ['K6_VUS', 'K6_DURATION', 'K6_ITERATIONS', 'K6_STAGES'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid load-test settings:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `30s`, `10m`, `2h`, `1h30m`, `1m30s` in seconds; anything else throws. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (match === null || text.trim() === '') throw new Error(`not a duration: "${text}" (use e.g. 30s, 10m, 2h, 1h30m)`);
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** Seconds as k6 writes durations: `90s` → `1m30s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`not a whole number of seconds: ${seconds}`);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return text === '' ? '0s' : text;
}

function baseUrl(name: string, raw: string, problems: string[]): string {
  // Scheme, host and optional port only: paths are the request builders' business.
  const match = /^(https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(raw);
  if (match === null) {
    const example = name === 'BASE_URL' ? DEFAULTS.baseUrl : DEFAULTS.chaosBaseUrl;
    problems.push(`${name}="${raw}": must be http(s)://host[:port] with no path, e.g. ${example}`);
    return raw;
  }
  return match[1] as string;
}

function number(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    problems.push(`${name}="${raw}": must be a number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

export function parseConfig(env: Env): LoadConfig {
  const problems: string[] = [];
  for (const name of SCENARIO_OVERRIDES) {
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(
        `${name} is set: k6 would replace the load shape's scenarios with a plain VU loop. ` +
          'Unset it; choose the load with LOAD_RATE and LOAD_HOLD.',
      );
    }
  }
  let holdSeconds: number | undefined;
  const hold = env.LOAD_HOLD;
  if (hold !== undefined && hold.trim() !== '') {
    try {
      holdSeconds = parseDuration(hold);
      if (holdSeconds < 1) problems.push(`LOAD_HOLD="${hold}": must be at least 1s`);
    } catch (error) {
      problems.push(`LOAD_HOLD: ${(error as Error).message}`);
    }
  }
  const latency = number('CHAOS_LATENCY_MS', env.CHAOS_LATENCY_MS, DEFAULTS.chaosLatencyMs, 0, 10_000, problems);
  if (!Number.isInteger(latency)) problems.push(`CHAOS_LATENCY_MS="${env.CHAOS_LATENCY_MS}": must be a whole number of milliseconds`);
  const resultsDir = env.RESULTS_DIR?.trim() || DEFAULTS.resultsDir;
  const config: LoadConfig = {
    baseUrl: baseUrl('BASE_URL', env.BASE_URL?.trim() || DEFAULTS.baseUrl, problems),
    chaosBaseUrl: baseUrl('CHAOS_BASE_URL', env.CHAOS_BASE_URL?.trim() || DEFAULTS.chaosBaseUrl, problems),
    rate: number('LOAD_RATE', env.LOAD_RATE, DEFAULTS.rate, 0.1, 1000, problems),
    holdSeconds,
    chaosShare: number('CHAOS_SHARE', env.CHAOS_SHARE, DEFAULTS.chaosShare, 0, 1, problems),
    chaosErrorShare: number('CHAOS_ERROR_SHARE', env.CHAOS_ERROR_SHARE, DEFAULTS.chaosErrorShare, 0, 1, problems),
    chaosLatencyMs: latency,
    thinkTimeSeconds: number('THINK_TIME_SECONDS', env.THINK_TIME_SECONDS, DEFAULTS.thinkTimeSeconds, 0, 60, problems),
    resultsDir: resultsDir.replace(/\/+$/, ''),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The other half of the override guard, for the CLI flags that never reach
 * `__ENV`: after option consolidation k6 names the lone replacement scenario
 * `default`. Called in setup() with `exec.test.options.scenarios`.
 */
export function scenarioOverrideProblem(expected: readonly string[], actual: readonly string[]): string | undefined {
  const missing = expected.filter((name) => !actual.includes(name));
  if (missing.length === 0) return undefined;
  return (
    `k6 is not running this script's scenarios (expected ${expected.join(', ')}; got ${actual.join(', ') || 'none'}): ` +
    '--vus, --duration, --iterations or --stages (or K6_VUS and friends) replace them. Drop those flags.'
  );
}

/**
 * Deterministic mix of drills: of every 100 chaos iterations the first
 * `errorShare * 100` ask for a 500, the rest for latency, so the share holds in
 * any window of 100 iterations, not just on average.
 */
export function chaosKind(iteration: number, errorShare: number): 'error' | 'latency' {
  return iteration % 100 < Math.round(errorShare * 100) ? 'error' : 'latency';
}
