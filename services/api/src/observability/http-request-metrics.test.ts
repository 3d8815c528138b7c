import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestMetrics } from './http-request-metrics.js';
import { HTTP_DURATION_BUCKETS } from './metrics.js';

const NAMES = {
  counterName: 'http_requests_total',
  counterHelp: 'HTTP requests answered',
  histogramName: 'http_request_duration_seconds',
  histogramHelp: 'Time to answer',
};

/** The same observations through prom-client's own Counter and Histogram. */
function reference(observations: [string, string, number, number][]): Registry {
  const registry = new Registry();
  const counter = new Counter({
    name: NAMES.counterName,
    help: NAMES.counterHelp,
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const histogram = new Histogram({
    name: NAMES.histogramName,
    help: NAMES.histogramHelp,
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of observations) {
    const labels = { method, route, status_code: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return registry;
}

describe('HTTP request metrics recorded as plain numbers', () => {
  // Values on, just below and just above bucket bounds (le is "less than or equal"), beyond the last bound, and zero.
  const observations: [string, string, number, number][] = [
    ['GET', '/health/live', 200, 0.0004],
    ['GET', '/health/live', 200, 0.005],
    ['GET', '/health/live', 200, 0.0050001],
    ['GET', '/api/todos', 200, 0.1],
    ['GET', '/api/todos', 200, 0.2499],
    ['GET', '/api/todos', 503, 1],
    ['POST', '/api/todos', 201, 0.03],
    ['POST', '/api/todos', 400, 0],
    ['GET', 'unmatched', 404, 12],
    ['GET', '/api/todos/:id', 200, 10],
  ];

  it('writes exactly the text prom-client writes for the same requests', async () => {
    const registry = new Registry();
    const recorder = new HttpRequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...NAMES });
    for (const [method, route, status, seconds] of observations) recorder.record(method, route, status, seconds);
    const expected = reference(observations);
    expect(await registry.getSingleMetricAsString(NAMES.counterName)).toBe(await expected.getSingleMetricAsString(NAMES.counterName));
    expect(await registry.getSingleMetricAsString(NAMES.histogramName)).toBe(await expected.getSingleMetricAsString(NAMES.histogramName));
    expect(await registry.metrics()).toContain(
      'http_request_duration_seconds_bucket{le="1",method="GET",route="/api/todos",status_code="503"} 1',
    );
  });

  it("answers the registry's JSON (Registry#getMetricsAsJSON) with the same values as prom-client's own", async () => {
    const registry = new Registry();
    const recorder = new HttpRequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...NAMES });
    for (const [method, route, status, seconds] of observations) recorder.record(method, route, status, seconds);
    // Exemplars are an OpenMetrics feature this exposition does not carry: compared without them.
    const comparable = async (from: Registry) =>
      (await from.getMetricsAsJSON()).map(({ values, ...family }) => ({
        ...family,
        values: values.map((entry) => ({
          labels: entry.labels,
          value: entry.value,
          metricName: (entry as { metricName?: string }).metricName,
        })),
      }));
    expect(await comparable(registry)).toEqual(await comparable(reference(observations)));
  });

  it('keeps counting across scrapes, never resetting what was already exposed', async () => {
    const registry = new Registry();
    const recorder = new HttpRequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...NAMES });
    recorder.record('GET', '/health/live', 200, 0.001);
    expect(await registry.metrics()).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} 1$/m);
    recorder.record('GET', '/health/live', 200, 0.001);
    const text = await registry.metrics();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} 2$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} 2$/m);
  });

  it("starts both families again from zero on Registry#resetMetrics(), as prom-client's own do", async () => {
    const registry = new Registry();
    const recorder = new HttpRequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...NAMES });
    recorder.record('GET', '/health/live', 200, 0.001);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(await reference([]).metrics());
  });

  it('exposes the families with no series before the first request, as prom-client does', async () => {
    const registry = new Registry();
    new HttpRequestMetrics({ registry, buckets: HTTP_DURATION_BUCKETS, ...NAMES });
    expect(await registry.metrics()).toBe(await reference([]).metrics());
  });
});
