import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpRequestMetrics } from './http-request-metrics.js';

/**
 * Latency buckets (seconds). 0.1, 0.25, 0.5 and 1 are the SLO thresholds, so
 * `le` matches them exactly; the rest let histogram_quantile interpolate
 * p50/p95/p99 without wide buckets around typical values.
 */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const DB_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The label value every path no route matched shares, so unknown URLs cannot grow cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface Metrics {
  registry: Registry;
  /** http_requests_total and http_request_duration_seconds, by method, route template and status code. */
  http: HttpRequestMetrics;
  /** Requests being handled; the gauge reads it at scrape time, so a request costs an addition, not a gauge update. */
  httpInFlight: { count: number };
  todosCreated: Counter;
  todosCompleted: Counter;
  todosDeleted: Counter;
  dbQueryDuration: Histogram<'operation' | 'outcome'>;
}

export function createMetrics(options: { version: string; registry?: Registry }): Metrics {
  const registry = options.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'app_info',
    help: 'Build information; always 1',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: options.version }, 1);

  const httpInFlight = { count: 0 };
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being handled right now',
    registers: [registry],
    collect() {
      this.set(httpInFlight.count);
    },
  });

  return {
    registry,
    httpInFlight,
    http: new HttpRequestMetrics({
      registry,
      buckets: HTTP_DURATION_BUCKETS,
      counterName: 'http_requests_total',
      counterHelp: 'HTTP requests answered, by route template and status code',
      histogramName: 'http_request_duration_seconds',
      histogramHelp: 'Time from receiving a request to finishing its response',
    }),
    todosCreated: new Counter({ name: 'todo_tasks_created_total', help: 'Todos created', registers: [registry] }),
    todosCompleted: new Counter({
      name: 'todo_tasks_completed_total',
      help: 'Todos that became completed (created completed, or changed from open to completed)',
      registers: [registry],
    }),
    todosDeleted: new Counter({ name: 'todo_tasks_deleted_total', help: 'Todos deleted', registers: [registry] }),
    dbQueryDuration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Database operations by repository operation and outcome (ok, error)',
      labelNames: ['operation', 'outcome'],
      buckets: DB_DURATION_BUCKETS,
      registers: [registry],
    }),
  };
}

/** What the database pool publishes as metrics (db_pool_*); data-access reads it from the pool. */
export interface PoolStats {
  inUse: number;
  idle: number;
  waiting: number;
  max: number;
}

/** What readiness publishes as metrics (app_ready, app_dependency_up{dependency}); the domain's Readiness answers it. */
export interface ReadinessSnapshot {
  ready: boolean;
  dependencies: { database: boolean; schema: boolean };
}

/** Log lines the LogSink dropped because its buffer was full, read at scrape time. */
export function registerLogMetrics(registry: Registry, droppedLines: () => number): void {
  new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because stdout was not read fast enough and the buffer (LOG_BUFFER_BYTES) was full',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(droppedLines());
    },
  });
}

/** Pool gauges read at scrape time, so they are never stale. */
export function registerPoolMetrics(registry: Registry, stats: () => PoolStats): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = stats();
      this.set({ state: 'in_use' }, current.inUse);
      this.set({ state: 'idle' }, current.idle);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: 'Queries waiting for a free pool connection',
    registers: [registry],
    collect() {
      this.set(stats().waiting);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'Configured size of the database pool',
    registers: [registry],
    collect() {
      this.set(stats().max);
    },
  });
}

/** Readiness as metrics, checked at scrape time: ApiNotReady, DatabaseDown and DatabaseSchemaPending alert on these. */
export function registerReadinessMetrics(registry: Registry, snapshot: () => Promise<ReadinessSnapshot>): void {
  // Both gauges are collected in the same scrape; Readiness shares one database ping between concurrent checks.
  new Gauge({
    name: 'app_ready',
    help: '1 when the service would answer its readiness probe with 200',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'app_dependency_up',
    help: '1 when a dependency is usable: database (PostgreSQL answers), schema (migrations applied)',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const { dependencies } = await snapshot();
      for (const [dependency, up] of Object.entries(dependencies)) this.set({ dependency }, up ? 1 : 0);
    },
  });
}
