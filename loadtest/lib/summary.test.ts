import { describe, expect, it } from 'vitest';
import { summaryFiles, textReport, verdict, type SummaryData } from './summary.ts';

const data = (ok: boolean): SummaryData => ({
  metrics: {
    http_reqs: { type: 'counter', values: { count: 150, rate: 5 } },
    http_req_failed: { type: 'rate', values: { rate: 0.002, passes: 0, fails: 150 } },
    'http_req_failed{flow:user}': {
      type: 'rate',
      values: { rate: ok ? 0 : 0.02 },
      thresholds: { 'rate<0.005': { ok }, 'rate<0.05': { ok: true } },
    },
    'http_req_duration{flow:user,name:/api/todos}': {
      type: 'trend',
      contains: 'time',
      values: { 'p(95)': 12.345, avg: 5 },
      thresholds: { 'p(95)<1000': { ok: true } },
    },
    iterations: { type: 'counter', values: { count: 30 } },
    checks: { type: 'rate', values: { rate: 1 } },
  },
  state: { testRunDurationMs: 61_234 },
});

describe('verdict', () => {
  it('passes when every threshold held, and lists each with the value it tested', () => {
    const v = verdict('smoke', data(true));
    expect(v.passed).toBe(true);
    expect(v.thresholds).toEqual([
      { metric: 'http_req_duration{flow:user,name:/api/todos}', condition: 'p(95)<1000', value: 12.345, ok: true },
      { metric: 'http_req_failed{flow:user}', condition: 'rate<0.005', value: 0, ok: true },
      { metric: 'http_req_failed{flow:user}', condition: 'rate<0.05', value: 0, ok: true },
    ]);
    expect(v.totals).toEqual({
      requests: 150,
      failedRatio: 0.002,
      iterations: 30,
      droppedIterations: 0,
      checksRatio: 1,
      durationSeconds: 61.234,
    });
  });

  it('fails when one threshold failed, and when there were none to judge by', () => {
    expect(verdict('smoke', data(false)).passed).toBe(false);
    expect(verdict('smoke', { metrics: {} }).passed).toBe(false);
  });

  // What k6 2.2 hands handleSummary() when setup() throws: the setup probe's one
  // request, no iteration, and every threshold "ok" on a submetric with no samples.
  const neverStarted: SummaryData = {
    metrics: {
      http_reqs: { type: 'counter', values: { count: 1, rate: 10.9 } },
      'checks{flow:user}': { type: 'rate', values: { passes: 0, fails: 0, rate: 0 }, thresholds: { 'rate>0.995': { ok: true } } },
      'http_req_failed{flow:user}': { type: 'rate', values: { passes: 0, fails: 0, rate: 0 }, thresholds: { 'rate<0.005': { ok: true } } },
    },
    state: { testRunDurationMs: 92 },
  };

  it('fails a run in which no iteration ran (setup() stopped it), though k6 calls its thresholds ok', () => {
    const v = verdict('smoke', neverStarted);
    expect(v.passed).toBe(false);
    expect(v.problem).toMatch(/no iteration ran/);
    const text = textReport(v);
    expect(text.split('\n')[0]).toBe("k6 smoke: FAILED: no iteration ran (setup() stopped the run, or it was aborted first: see k6's log)");
  });

  it('shows a rate threshold without samples as no value, not as 0.00% ok', () => {
    const v = verdict('smoke', neverStarted);
    expect(v.thresholds.map((t) => t.value)).toEqual([undefined, undefined]);
    expect(textReport(v)).toMatch(/checks\{flow:user\}\s+rate>0\.995\s+-\s+ok/);
  });
});

describe('the report files', () => {
  it('are a JSON verdict with k6 data and a short text table, in the results directory and on stdout', () => {
    const files = summaryFiles('average', data(false), '/results');
    expect(Object.keys(files).sort()).toEqual(['/results/average-summary.json', '/results/average-summary.txt', 'stdout']);
    const json = JSON.parse(files['/results/average-summary.json']!) as { passed: boolean; shape: string; k6: SummaryData };
    expect(json).toMatchObject({ shape: 'average', passed: false });
    expect(json.k6.metrics.http_reqs?.values.count).toBe(150);
    const text = files['/results/average-summary.txt']!;
    expect(text).toBe(textReport(verdict('average', data(false))));
    expect(text.split('\n')[0]).toBe('k6 average: FAILED');
    expect(text).toMatch(/http_req_failed\{flow:user\}\s+rate<0\.005\s+2\.00%\s+FAILED/);
    expect(text).toMatch(/http_req_duration\{flow:user,name:\/api\/todos\}\s+p\(95\)<1000\s+12\.3 ms\s+ok/);
    expect(text).toMatch(/150\s+0\.20%\s+100\.00%\s+30\s+0\s+61\.2 s/);
    expect(files.stdout).toContain(text);
  });
});
