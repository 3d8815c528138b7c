import { Counter, type Metric, type Registry } from 'prom-client';

export type HttpLabels = { method: string; route: string; status_code: string };

interface Series {
  labels: HttpLabels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  buckets: number[];
}

export interface HttpRequestMetricsOptions {
  registry: Registry;
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
  counterName: string;
  counterHelp: string;
  histogramName: string;
  histogramHelp: string;
}

/**
 * The request counter and duration histogram, recorded as plain numbers and
 * written as Prometheus series only when scraped. prom-client builds a label
 * hash string, validates the labels and allocates per observation; on every
 * request that was most of what the instrumentation cost (docs/benchmark.md:
 * about 9 of 15 µs per request on the 2-core machine). Here a request costs a
 * map lookup, a short loop over the bucket bounds and three additions.
 *
 * The exposition is the same text prom-client's Counter and Histogram write
 * for the same observations (http-request-metrics.test.ts compares them).
 */
export class HttpRequestMetrics {
  private readonly series = new Map<string, Series>();
  private readonly bounds: readonly number[];

  constructor(options: HttpRequestMetricsOptions) {
    this.bounds = [...options.buckets];
    const series = this.series;
    new Counter({
      name: options.counterName,
      help: options.counterHelp,
      labelNames: ['method', 'route', 'status_code'],
      registers: [options.registry],
      collect() {
        this.reset();
        for (const { labels, count } of series.values()) this.inc(labels, count);
      },
    });
    options.registry.registerMetric(this.histogram(options.histogramName, options.histogramHelp));
  }

  /** One answered request. The label set is bounded: route templates, never raw paths. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: String(status) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
      };
      this.series.set(key, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]!) bucket += 1;
    series.buckets[bucket]! += 1;
  }

  /**
   * A histogram in the shape prom-client's registry formats. getForPromString()
   * is what the text exposition reads, as for prom-client's own Histogram: each
   * series' labels go in `sharedLabels`, one object per series kept across
   * scrapes, which the registry escapes and joins once and caches by identity;
   * only `le` is formatted per line. get() is the same with the labels merged,
   * for the registry's JSON.
   */
  private histogram(name: string, help: string): Metric {
    const bucketName = `${name}_bucket`;
    const sumName = `${name}_sum`;
    const countName = `${name}_count`;
    const les = [...this.bounds.map((le) => ({ le })), { le: '+Inf' }];
    const noLabels = {};
    type Value = { metricName: string; labels: Record<string, string | number>; sharedLabels: HttpLabels; value: number };
    const forPromString = () => {
      const values: Value[] = [];
      for (const { labels, count, sum, buckets } of this.series.values()) {
        let cumulative = 0;
        for (let index = 0; index < buckets.length; index++) {
          cumulative += buckets[index]!;
          values.push({ metricName: bucketName, labels: les[index]!, sharedLabels: labels, value: cumulative });
        }
        values.push({ metricName: sumName, labels: noLabels, sharedLabels: labels, value: sum });
        values.push({ metricName: countName, labels: noLabels, sharedLabels: labels, value: count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    };
    const metric = {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      // Registry#resetMetrics(): the counter reads the same series, so both start again from zero.
      reset: () => {
        this.series.clear();
      },
      getForPromString: () => Promise.resolve(forPromString()),
      get: () => {
        const data = forPromString();
        const values = data.values.map(({ metricName, labels, sharedLabels, value }) => ({
          metricName,
          labels: { ...labels, ...sharedLabels },
          value,
        }));
        return Promise.resolve({ ...data, values });
      },
    };
    // The registry reads name, help, type, aggregator, get(), getForPromString() and reset();
    // Metric's other members serve only prom-client's own classes.
    return metric as unknown as Metric;
  }
}
