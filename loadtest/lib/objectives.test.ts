import { describe, expect, it } from 'vitest';
import { ruleFiles, type Rule } from '@observable-todo/test-support/monitoring-files';
import { OBJECTIVES, errorBudget } from './objectives.ts';
import { buildThresholds } from './options.ts';
import { USER_ROUTES } from './requests.ts';

// The k6 thresholds and the Prometheus rules state the same objectives. Rules
// are found by name (record or alert), and thresholds by the recording rule
// they compare, so added rules or extra conditions (a minimum-traffic guard
// `and ...`) do not confuse the reading.

function rules(key: 'record' | 'alert', name: string): Rule[] {
  const found = ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules)).filter((r) => r[key] === name);
  if (found.length === 0) throw new Error(`no ${key} rule named ${name} in monitoring/prometheus/rules`);
  return found;
}

/** The single number that `series > N` compares against in the expressions of every rule named `alert`. */
function alertThreshold(alert: string, series: string): number {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const numbers = rules('alert', alert).flatMap((rule) =>
    [...rule.expr.matchAll(new RegExp(`${escaped}\\s*>\\s*([0-9]*\\.?[0-9]+(?:e-?[0-9]+)?)`, 'g'))].map((m) => Number(m[1])),
  );
  const distinct = [...new Set(numbers)];
  if (distinct.length !== 1) throw new Error(`${alert}: expected one threshold on ${series}, found ${JSON.stringify(distinct)}`);
  return distinct[0] as number;
}

const fromRules = {
  availability: (() => {
    const [objective, ...others] = rules('record', 'slo:objective:ratio');
    if (others.length > 0) throw new Error('slo:objective:ratio is recorded more than once');
    const match = /^vector\(\s*([0-9.]+)\s*\)$/.exec(objective!.expr.trim());
    if (match === null) throw new Error(`slo:objective:ratio is not vector(<number>): ${objective!.expr}`);
    return Number(match[1]);
  })(),
  pagingErrorRatio: alertThreshold('HighErrorRate', 'service:http_requests_errors:ratio_rate2m'),
  latencyP95Seconds: alertThreshold('HighLatencyP95', 'service_route:http_request_duration_seconds:p95_rate5m'),
};

describe('the objectives k6 checks', () => {
  it('are the numbers the Prometheus rules use (objective, HighErrorRate, HighLatencyP95)', () => {
    expect(OBJECTIVES).toEqual(fromRules);
  });

  it('compare the same percentile as HighLatencyP95: its series is a p95', () => {
    const [p95] = rules('record', 'service_route:http_request_duration_seconds:p95_rate5m');
    expect(p95!.expr).toMatch(/^histogram_quantile\(0\.95,/);
  });

  it('turn into k6 thresholds equal to the rules, for every shape', () => {
    const budget = Number((1 - fromRules.availability).toPrecision(12));
    expect(errorBudget()).toBe(budget);
    for (const shape of ['smoke', 'average', 'stress', 'spike', 'soak', 'breakpoint'] as const) {
      const t = JSON.stringify(buildThresholds(shape, true));
      expect(t, shape).toContain(`"rate<${budget}"`);
      expect(t, shape).toContain(`"checks{flow:user}":["rate>${fromRules.availability}"]`);
      for (const route of USER_ROUTES) {
        expect(t, `${shape} ${route}`).toMatch(
          new RegExp(`"http_req_duration\\{flow:user,name:${route}\\}":\\[[^\\]]*"p\\(95\\)<${fromRules.latencyP95Seconds * 1000}"`),
        );
      }
    }
    const average = buildThresholds('average', false)['http_req_failed{flow:user}'];
    expect(average).toContainEqual({ threshold: `rate<${fromRules.pagingErrorRatio}`, abortOnFail: true, delayAbortEval: '1m' });
  });

  it('would notice a rule changing: a different objective gives different thresholds', () => {
    const changed = buildThresholds('average', false, { ...OBJECTIVES, availability: 0.999 });
    expect(changed['http_req_failed{flow:user}']).toContain('rate<0.001');
    expect(changed['http_req_failed{flow:user}']).not.toContain(`rate<${errorBudget()}`);
  });
});
