/**
 * The end-of-run summary: k6 hands handleSummary() its aggregated metrics;
 * this turns them into a verdict, a JSON file and a short text table.
 */
export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  state?: { testRunDurationMs?: number; isStdOutTTY?: boolean };
}

export interface ThresholdResult {
  metric: string;
  condition: string;
  /** The aggregate the condition tested, when it is in the summary (ms for durations). */
  value: number | undefined;
  ok: boolean;
}

export interface Verdict {
  shape: string;
  passed: boolean;
  /** Why the run failed besides its thresholds, e.g. that no iteration ran. */
  problem?: string;
  thresholds: ThresholdResult[];
  totals: {
    requests: number;
    failedRatio: number | undefined;
    iterations: number;
    droppedIterations: number;
    checksRatio: number | undefined;
    durationSeconds: number | undefined;
  };
}

/** `p(95)<1000` → `p(95)`; `rate<0.005` → `rate`; `count>=1` → `count`. */
function aggregateOf(condition: string): string {
  return condition.split(/[<>=!]/)[0]?.trim() ?? condition;
}

/** A rate with neither passes nor fails had no sample: k6 reports it as 0 and its thresholds as ok. */
function sampled(entry: SummaryMetric): boolean {
  return !(entry.type === 'rate' && entry.values.passes === 0 && entry.values.fails === 0);
}

export function verdict(shape: string, data: SummaryData): Verdict {
  const thresholds: ThresholdResult[] = [];
  for (const [metric, entry] of Object.entries(data.metrics)) {
    for (const [condition, result] of Object.entries(entry.thresholds ?? {})) {
      const value = sampled(entry) ? entry.values[aggregateOf(condition)] : undefined;
      thresholds.push({ metric, condition, value, ok: result.ok });
    }
  }
  thresholds.sort((a, b) => a.metric.localeCompare(b.metric) || a.condition.localeCompare(b.condition));
  const m = data.metrics;
  const durationMs = data.state?.testRunDurationMs;
  const iterations = m.iterations?.values.count ?? 0;
  // k6 still calls handleSummary() when setup() throws, with every threshold
  // "ok" on submetrics that got no sample: such a run must not read as passed.
  const problem = iterations === 0 ? "no iteration ran (setup() stopped the run, or it was aborted first: see k6's log)" : undefined;
  return {
    shape,
    // No threshold at all would make "passed" meaningless: the options always define some.
    passed: problem === undefined && thresholds.length > 0 && thresholds.every((t) => t.ok),
    ...(problem === undefined ? {} : { problem }),
    thresholds,
    totals: {
      requests: m.http_reqs?.values.count ?? 0,
      failedRatio: m.http_req_failed?.values.rate,
      iterations,
      droppedIterations: m.dropped_iterations?.values.count ?? 0,
      checksRatio: m.checks?.values.rate,
      durationSeconds: durationMs === undefined ? undefined : durationMs / 1000,
    },
  };
}

function format(value: number | undefined, condition: string): string {
  if (value === undefined) return '-';
  if (condition.startsWith('rate')) return `${(value * 100).toFixed(2)}%`;
  if (condition.startsWith('p(') || condition.startsWith('avg') || condition.startsWith('med') || condition.startsWith('max')) {
    return `${value.toFixed(1)} ms`;
  }
  return String(Number(value.toFixed(3)));
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A short plain-text report: the verdict, the totals, one line per threshold. */
export function textReport(v: Verdict): string {
  const t = v.totals;
  const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
  const lines = [
    `k6 ${v.shape}: ${v.passed ? 'PASSED' : 'FAILED'}${v.problem === undefined ? '' : `: ${v.problem}`}`,
    '',
    table([
      ['requests', 'failed', 'checks ok', 'iterations', 'dropped', 'duration'],
      [
        String(t.requests),
        pct(t.failedRatio),
        pct(t.checksRatio),
        String(t.iterations),
        String(t.droppedIterations),
        t.durationSeconds === undefined ? '-' : `${t.durationSeconds.toFixed(1)} s`,
      ],
    ]),
    '',
    table([
      ['threshold', 'condition', 'value', 'result'],
      ...v.thresholds.map((r) => [r.metric, r.condition, format(r.value, r.condition), r.ok ? 'ok' : 'FAILED']),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** handleSummary()'s answer: file paths (and stdout) to contents. */
export function summaryFiles(shape: string, data: SummaryData, resultsDir: string): Record<string, string> {
  const v = verdict(shape, data);
  const text = textReport(v);
  return {
    [`${resultsDir}/${shape}-summary.json`]: `${JSON.stringify({ ...v, k6: data }, null, 2)}\n`,
    [`${resultsDir}/${shape}-summary.txt`]: text,
    stdout: `\n${text}`,
  };
}
