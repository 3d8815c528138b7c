import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { OBJECTIVES, errorBudget } from './objectives.ts';
import { buildOptions, buildThresholds, scenarioNames } from './options.ts';
import { USER_ROUTES } from './requests.ts';
import { SHAPE_NAMES } from './shapes.ts';

describe('buildOptions', () => {
  it('runs the user flow only, unless a chaos share is asked for', () => {
    expect(scenarioNames(buildOptions('average', {}).scenarios)).toEqual(['user']);
    expect(scenarioNames(buildOptions('average', { CHAOS_SHARE: '0.2' }).scenarios)).toEqual(['user', 'chaos']);
  });

  it('exports a copy of the scenarios: replacing or changing the exported ones, as k6 does after init, leaves the script its own', () => {
    const { options, scenarios } = buildOptions('average', { CHAOS_SHARE: '0.2' });
    expect(options.scenarios).toEqual(scenarios);
    const user = options.scenarios!.user as { stages: unknown[] };
    user.stages.length = 0;
    options.scenarios = {};
    expect(scenarios.user.executor).toBe('ramping-arrival-rate');
    expect(scenarioNames(scenarios)).toEqual(['user', 'chaos']);
    expect((scenarios.user as { stages: unknown[] }).stages.length).toBe(3);
  });

  it.each(SHAPE_NAMES)('%s tags every series with the shape and drops the per-URL tag', (shape) => {
    const { options } = buildOptions(shape, {});
    expect(options.tags).toEqual({ shape });
    expect(options.systemTags).toContain('name');
    expect(options.systemTags).not.toContain('url');
  });

  it('refuses K6_VUS and the other scenario overrides instead of letting k6 replace the shape', () => {
    for (const name of ['K6_VUS', 'K6_DURATION', 'K6_ITERATIONS', 'K6_STAGES']) {
      expect(() => buildOptions('average', { [name]: '10' }), name).toThrow(ConfigError);
      expect(() => buildOptions('average', { [name]: '10' }), name).toThrow(new RegExp(`${name} is set`));
    }
  });
});

describe('buildThresholds', () => {
  it('aborts only on the hard limit, except breakpoint, where every objective aborts', () => {
    const aborting = (t: ReturnType<typeof buildThresholds>) =>
      Object.entries(t).flatMap(([metric, list]) =>
        list.filter((x) => typeof x === 'object' && x.abortOnFail).map((x) => `${metric} ${(x as { threshold: string }).threshold}`),
      );
    expect(aborting(buildThresholds('average', false))).toEqual(['http_req_failed{flow:user} rate<0.05']);
    expect(aborting(buildThresholds('breakpoint', false)).sort()).toEqual([
      'http_req_duration{flow:user,name:/api/todos/:id} p(95)<1000',
      'http_req_duration{flow:user,name:/api/todos} p(95)<1000',
      'http_req_failed{flow:user} rate<0.005',
    ]);
  });

  it('checks the drills only when they run, and never counts them against the user objectives', () => {
    expect(Object.keys(buildThresholds('spike', false))).not.toContain('checks{flow:chaos}');
    const withChaos = buildThresholds('spike', true);
    expect(withChaos['checks{flow:chaos}']).toEqual(['rate>0.995']);
    for (const metric of Object.keys(withChaos).filter((m) => m.startsWith('http_req'))) expect(metric).toContain('flow:user');
  });
});

// objectives.ts is generated from the Prometheus rules (npm run docs; scripts/generate.test.ts holds it to them).
describe('the objectives in the thresholds', () => {
  it('errorBudget is 1 - objective without floating-point noise', () => {
    expect(1 - 0.995).not.toBe(0.005);
    expect(errorBudget({ ...OBJECTIVES, availability: 0.995 })).toBe(0.005);
    expect(errorBudget({ ...OBJECTIVES, availability: 0.999 })).toBe(0.001);
    expect(errorBudget({ ...OBJECTIVES, availability: 0.9 })).toBe(0.1);
  });

  it.each(SHAPE_NAMES)('%s: every objective becomes its threshold', (shape) => {
    const t = JSON.stringify(buildThresholds(shape, true));
    expect(t).toContain(`"rate<${errorBudget()}"`);
    expect(t).toContain(`"checks{flow:user}":["rate>${OBJECTIVES.availability}"]`);
    for (const route of USER_ROUTES) {
      expect(t, route).toMatch(
        new RegExp(`"http_req_duration\\{flow:user,name:${route}\\}":\\[[^\\]]*"p\\(95\\)<${OBJECTIVES.latencyP95Seconds * 1000}"`),
      );
    }
  });

  it('aborts a run past the paging error ratio', () => {
    const average = buildThresholds('average', false)['http_req_failed{flow:user}'];
    expect(average).toContainEqual({ threshold: `rate<${OBJECTIVES.pagingErrorRatio}`, abortOnFail: true, delayAbortEval: '1m' });
  });

  it('follows the objectives it is given: a different objective gives different thresholds', () => {
    const changed = buildThresholds('average', false, { ...OBJECTIVES, availability: 0.999 });
    expect(changed['http_req_failed{flow:user}']).toContain('rate<0.001');
    expect(changed['http_req_failed{flow:user}']).not.toContain(`rate<${errorBudget()}`);
  });
});
