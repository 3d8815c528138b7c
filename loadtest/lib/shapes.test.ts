import { describe, expect, it } from 'vitest';
import { parseConfig, type LoadConfig } from './config.ts';
import {
  MAX_VUS,
  SHAPE_NAMES,
  chaosScenario,
  iterationSeconds,
  peakRequestsPerMinute,
  peakRequestsPerSecond,
  scenarioIterations,
  scenarioSeconds,
  userScenario,
} from './shapes.ts';

const config = (env: Record<string, string> = {}): LoadConfig => parseConfig(env);

describe('load shapes at the default rate (5 iterations/s) and hold', () => {
  // [seconds, iterations] worked out by hand from the stages: a ramp from a to b
  // over t seconds starts (a + b) / 2 * t iterations.
  const expected = {
    smoke: [120, 6], // per-VU iterations: 2 VUs x 3, within maxDuration 2m
    average: [120 + 600 + 60, 2.5 * 120 + 5 * 600 + 2.5 * 60], // 780 s, 3450
    stress: [300 + 600 + 120, 5 * 300 + 10 * 600 + 5 * 120], // 1020 s, 8100
    spike: [30 + 30 + 10 + 60 + 10 + 60 + 10, 2.5 * 30 + 5 * 30 + 27.5 * 10 + 50 * 60 + 27.5 * 10 + 5 * 60 + 2.5 * 10],
    soak: [300 + 10800 + 300, 2.5 * 300 + 5 * 10800 + 2.5 * 300], // 3 h 10 m, 55500
    breakpoint: [1800, 50 * 1800], // 0 -> 100/s over 30 m
  } as const;

  it.each(SHAPE_NAMES)('%s runs for the planned time and starts the planned iterations', (shape) => {
    const scenario = userScenario(shape, config());
    expect([scenarioSeconds(scenario), scenarioIterations(scenario)]).toEqual(expected[shape]);
  });

  it('average holds LOAD_RATE, stress twice it, spike ten times it, breakpoint climbs to twenty times it', () => {
    const peak = (shape: (typeof SHAPE_NAMES)[number]) => {
      const s = userScenario(shape, config({ LOAD_RATE: '2' }));
      return s.executor === 'ramping-arrival-rate' ? Math.max(...s.stages.map((x) => x.target)) : undefined;
    };
    expect([peak('average'), peak('stress'), peak('spike'), peak('soak'), peak('breakpoint')]).toEqual([2, 4, 20, 2, 40]);
  });

  it('LOAD_HOLD sets the steady phase, and only it', () => {
    const short = userScenario('average', config({ LOAD_HOLD: '1m' }));
    expect(scenarioSeconds(short)).toBe(120 + 60 + 60);
    const soak = userScenario('soak', config({ LOAD_HOLD: '8h' }));
    expect(scenarioSeconds(soak)).toBe(300 + 8 * 3600 + 300);
  });

  it('arrival-rate shapes start from zero and end at zero (breakpoint ends where the run is stopped)', () => {
    for (const shape of SHAPE_NAMES.filter((s) => s !== 'smoke')) {
      const s = userScenario(shape, config());
      if (s.executor !== 'ramping-arrival-rate') throw new Error(`${shape}: ${s.executor}`);
      expect(s.startRate, shape).toBe(0);
      if (shape !== 'breakpoint') expect(s.stages.at(-1)?.target, shape).toBe(0);
    }
  });
});

describe('the VU pool', () => {
  it('covers the peak arrival rate times an iteration, with headroom, within MAX_VUS', () => {
    const c = config();
    expect(iterationSeconds(c)).toBeCloseTo(4 * 0.5 + 5 * 0.05);
    const average = userScenario('average', c);
    if (average.executor !== 'ramping-arrival-rate') throw new Error('not arrival rate');
    expect(average.preAllocatedVUs).toBe(Math.ceil(5 * 2.25 * 1.5)); // 17
    expect(average.maxVUs).toBe(34);
    const breakpoint = userScenario('breakpoint', c);
    if (breakpoint.executor !== 'ramping-arrival-rate') throw new Error('not arrival rate');
    expect(breakpoint.maxVUs).toBe(MAX_VUS);
  });
});

describe('the chaos scenario', () => {
  it('is absent at CHAOS_SHARE 0', () => {
    expect(chaosScenario(userScenario('average', config()), config())).toBeUndefined();
  });

  it('follows the user shape at CHAOS_SHARE of its rate, running the chaos flow', () => {
    const c = config({ CHAOS_SHARE: '0.2' });
    const user = userScenario('spike', c);
    const chaos = chaosScenario(user, c)!;
    expect(chaos.exec).toBe('chaosFlow');
    expect(scenarioSeconds(chaos)).toBe(scenarioSeconds(user));
    expect(scenarioIterations(chaos)).toBeCloseTo(scenarioIterations(user) * 0.2, 6);
  });

  it('in smoke, runs that share of its iterations, at least one', () => {
    expect(scenarioIterations(chaosScenario(userScenario('smoke', config({ CHAOS_SHARE: '0.5' })), config({ CHAOS_SHARE: '0.5' }))!)).toBe(
      3,
    );
    expect(
      scenarioIterations(chaosScenario(userScenario('smoke', config({ CHAOS_SHARE: '0.01' })), config({ CHAOS_SHARE: '0.01' }))!),
    ).toBe(1);
  });
});

describe('peak request rate (for the rate-limiter check)', () => {
  it('is five requests per user iteration and one per drill', () => {
    const c = config({ CHAOS_SHARE: '0.5' });
    const average = userScenario('average', c);
    expect(peakRequestsPerSecond(average, 'user', c)).toBe(25);
    expect(peakRequestsPerSecond(chaosScenario(average, c)!, 'chaos', c)).toBe(2.5);
  });

  it('for smoke, is what two VUs manage with their think time: under the default limit of 600 a minute', () => {
    const c = config();
    const perMinute = peakRequestsPerSecond(userScenario('smoke', c), 'user', c) * 60;
    expect(perMinute).toBeCloseTo((2 * 5 * 60) / 2.25);
    expect(perMinute).toBeLessThan(0.8 * 600);
  });
});

describe('peak requests per minute', () => {
  it('for smoke, never exceeds all the requests it sends (30), however short the think time', () => {
    const c = config({ THINK_TIME_SECONDS: '0' });
    expect(peakRequestsPerMinute(userScenario('smoke', c), 'user', c)).toBe(30);
  });

  it('for arrival rates, is the peak rate times the requests per iteration', () => {
    const c = config({ LOAD_RATE: '4' });
    expect(peakRequestsPerMinute(userScenario('stress', c), 'user', c)).toBe(8 * 5 * 60);
  });
});
