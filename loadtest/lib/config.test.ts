import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, chaosKind, formatDuration, parseConfig, parseDuration, scenarioOverrideProblem } from './config.ts';

describe('parseConfig', () => {
  it('defaults to the stack on the compose network: nginx for users, the API for drills', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ baseUrl: 'http://frontend:8080', chaosBaseUrl: 'http://api:8000', chaosShare: 0, rate: DEFAULTS.rate });
  });

  it('treats empty variables (compose passes unset ones as "") as unset', () => {
    expect(parseConfig({ BASE_URL: '', LOAD_RATE: '', LOAD_HOLD: '', CHAOS_SHARE: '', K6_VUS: '' })).toEqual(parseConfig({}));
  });

  it('reads every setting', () => {
    expect(
      parseConfig({
        BASE_URL: 'http://127.0.0.1:8080/',
        CHAOS_BASE_URL: 'http://localhost:8000',
        LOAD_RATE: '2.5',
        LOAD_HOLD: '1h30m',
        CHAOS_SHARE: '0.25',
        CHAOS_ERROR_SHARE: '1',
        CHAOS_LATENCY_MS: '2000',
        THINK_TIME_SECONDS: '0',
        RESULTS_DIR: '/tmp/out/',
      }),
    ).toEqual({
      baseUrl: 'http://127.0.0.1:8080',
      chaosBaseUrl: 'http://localhost:8000',
      rate: 2.5,
      holdSeconds: 5400,
      chaosShare: 0.25,
      chaosErrorShare: 1,
      chaosLatencyMs: 2000,
      thinkTimeSeconds: 0,
      resultsDir: '/tmp/out',
    });
  });

  it('reports every bad value on its own line, and nothing else', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        BASE_URL: 'http://frontend:8080/api',
        CHAOS_BASE_URL: 'ftp://api',
        LOAD_RATE: '0',
        LOAD_HOLD: '10 minutes',
        CHAOS_SHARE: '2',
        CHAOS_LATENCY_MS: '1.5',
        THINK_TIME_SECONDS: 'lots',
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.split(/[=:]/)[0])).toEqual([
      'LOAD_HOLD',
      'CHAOS_LATENCY_MS',
      'BASE_URL',
      'CHAOS_BASE_URL',
      'LOAD_RATE',
      'CHAOS_SHARE',
      'THINK_TIME_SECONDS',
    ]);
    expect(error!.message).toContain('BASE_URL="http://frontend:8080/api": must be http(s)://host[:port] with no path');
  });
});

describe('the override guard', () => {
  it('names K6_VUS when it is set', () => {
    expect(() => parseConfig({ K6_VUS: '50' })).toThrow(/K6_VUS is set: k6 would replace the load shape's scenarios/);
  });

  it("catches --vus and friends in setup, where the scenarios k6 runs are not the script's", () => {
    expect(scenarioOverrideProblem(['user', 'chaos'], ['user', 'chaos'])).toBeUndefined();
    expect(scenarioOverrideProblem(['user'], ['default'])).toMatch(/expected user; got default.*--vus/);
    expect(scenarioOverrideProblem(['user', 'chaos'], ['user'])).toMatch(/expected user, chaos; got user/);
  });
});

describe('durations', () => {
  it('parse and format the way k6 writes them', () => {
    expect(['30s', '10m', '2h', '1h30m', '1m30s'].map(parseDuration)).toEqual([30, 600, 7200, 5400, 90]);
    expect([30, 600, 7200, 5400, 90, 0].map(formatDuration)).toEqual(['30s', '10m', '2h', '1h30m', '1m30s', '0s']);
    expect(() => parseDuration('')).toThrow(/not a duration/);
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
  });
});

describe('chaosKind', () => {
  it('keeps the error share exactly in every 100 drills', () => {
    const kinds = Array.from({ length: 200 }, (_, i) => chaosKind(i, 0.3));
    expect(kinds.slice(0, 100).filter((k) => k === 'error')).toHaveLength(30);
    expect(kinds.slice(100).filter((k) => k === 'error')).toHaveLength(30);
    expect(Array.from({ length: 100 }, (_, i) => chaosKind(i, 0)).every((k) => k === 'latency')).toBe(true);
    expect(Array.from({ length: 100 }, (_, i) => chaosKind(i, 1)).every((k) => k === 'error')).toBe(true);
  });
});
