// k6/script.ts under Node, with k6's modules replaced by stand-ins: what the
// script does between k6's init and setup(). The stand-ins answer as the stack
// does; the test then does to the exported options what k6 does to them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface Call {
  method: string;
  url: string;
}

const k6 = vi.hoisted(() => ({
  calls: [] as Call[],
  /** exec.test.options.scenarios: what k6 runs (a JSON copy of its consolidated options). */
  running: {},
  /** The RateLimit-Policy header the list answers with; undefined = limiter off. */
  policy: undefined as string | undefined,
  aborted: [] as string[],
}));

vi.mock('k6', () => ({ check: () => true, sleep: () => undefined }));
vi.mock('k6/execution', () => ({
  default: {
    test: {
      get options() {
        return { scenarios: k6.running };
      },
      abort: (reason: string) => k6.aborted.push(reason),
    },
    vu: { idInTest: 1, iterationInScenario: 0 },
    scenario: { iterationInTest: 0 },
  },
}));
vi.mock('k6/http', () => ({
  default: {
    expectedStatuses: () => ({}),
    request: (method: string, url: string) => {
      k6.calls.push({ method, url });
      const drill = url.includes('/api/simulate-latency');
      const body = drill ? '{"delayedMs":0}' : '{"items":[],"total":0,"limit":20,"offset":0}';
      const headers: Record<string, string> = k6.policy === undefined ? {} : { 'RateLimit-Policy': k6.policy };
      return { status: 200, body, headers, request: { url }, error: '' };
    },
  },
}));

const { k6Script } = await import('./script.ts');

/**
 * What k6 does to a script's exported `options` after init, in every VU and
 * before setup() (internal/js/bundle.go, manipulateOptions): it sets each
 * option it consolidated back onto the exported object as its own Go value.
 * For `scenarios` that is a lib.ScenarioConfigs, whose keys in JavaScript are
 * its methods, not the scenario names.
 */
function asK6Leaves(options: Record<string, unknown>): void {
  for (const key of Object.keys(options)) options[key] = { goValue: key };
  options.scenarios = {
    getFullExecutionRequirements: () => [],
    getSortedConfigs: () => [],
    unmarshalJSON: () => undefined,
    validate: () => [],
  };
}

function script(shape: Parameters<typeof k6Script>[0], env: Record<string, string> = {}) {
  vi.stubGlobal('__ENV', env);
  const built = k6Script(shape);
  // k6 runs the scenarios the script exported (a copy, as exec.test.options is).
  k6.running = JSON.parse(JSON.stringify(built.options.scenarios)) as Record<string, unknown>;
  asK6Leaves(built.options as Record<string, unknown>);
  return built;
}

beforeEach(() => {
  k6.calls = [];
  k6.aborted = [];
  k6.policy = undefined;
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the k6 script after k6 has replaced its exported options', () => {
  it.each(['smoke', 'average', 'stress', 'spike', 'soak', 'breakpoint'] as const)(
    '%s: setup() runs on the scenarios the script built and starts the run',
    (shape) => {
      const built = script(shape);
      expect(built.setup()).toEqual({ runId: expect.any(String) as string });
      expect(k6.calls.map((c) => c.url)).toEqual(['http://frontend:8080/api/todos?limit=20']);
    },
  );

  it('setup() probes the drill endpoint when the chaos flow is on, and counts the drills into the peak the limiter sees', () => {
    // average at LOAD_RATE 5: 25 user requests per second (1,500 a minute); drills at CHAOS_SHARE 1 add 300 a minute.
    k6.policy = '2100;w=60'; // 80% of it is 1,680: the users alone fit, users and drills do not.
    const built = script('average', { CHAOS_SHARE: '1' });
    expect(() => built.setup()).toThrow(/rate limiter allows 2100 requests per minute .* up to 1800 /);
    expect(k6.calls.map((c) => c.url)).toContain('http://api:8000/api/simulate-latency?ms=0');
  });

  it('setup() refuses a run whose scenarios k6 replaced (--vus and friends), naming the ones it expected', () => {
    const built = script('average', { CHAOS_SHARE: '0.2' });
    k6.running = { default: {} };
    expect(() => built.setup()).toThrow(/expected user, chaos; got default/);
  });

  it('the default function, run only when k6 replaced the scenarios, aborts naming them', () => {
    const built = script('smoke');
    built.replacedScenarios();
    expect(k6.aborted).toEqual([expect.stringMatching(/expected user; got default/)]);
  });
});
