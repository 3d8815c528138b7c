/**
 * The service objectives k6 checks, as the Prometheus rules state them:
 *
 * - availability: `slo:objective:ratio` in monitoring/prometheus/rules/slo.yml
 *   (99.5% of user requests without a 5xx);
 * - paging error ratio: HighErrorRate in rules/api-alerts.yml (5% of user
 *   requests failing pages someone: past it a load run is pointless, so it aborts);
 * - latency: HighLatencyP95 in rules/api-alerts.yml (p95 per route above 1 s).
 *
 * k6 cannot read YAML at run time, so the numbers are repeated here once, and
 * objectives.test.ts reads the rule files by rule name and fails when the two
 * disagree: change a rule, and the test tells you to change this file too.
 */
export interface Objectives {
  availability: number;
  pagingErrorRatio: number;
  latencyP95Seconds: number;
}

export const OBJECTIVES: Readonly<Objectives> = {
  /** `slo:objective:ratio`: share of user requests that must not fail. */
  availability: 0.995,
  /** HighErrorRate: the 5xx ratio that pages. */
  pagingErrorRatio: 0.05,
  /** HighLatencyP95: the per-route p95 latency that warns, in seconds. */
  latencyP95Seconds: 1,
};

/** 1 - objective without floating-point noise (1 - 0.995 is 0.0050000000000000044). */
export function errorBudget(objectives: Objectives = OBJECTIVES): number {
  return Number((1 - objectives.availability).toPrecision(12));
}
