import type { Writable } from 'node:stream';
import type { Express } from 'express';
import type { Sequelize } from 'sequelize';
import type { Config } from '../config/config.js';
import { createSequelize, pingDatabase, poolStats } from '../data-access/database.js';
import { defineTodoModel } from '../data-access/todo.model.js';
import { TodoRepository } from '../data-access/todo.repository.js';
import { Readiness } from '../domain/readiness.js';
import { TodoService } from '../domain/todo.service.js';
import { createApp } from './http/app.js';
import { TrustedProxies } from './http/trust-proxy.js';
import { AccessLog } from '../observability/access-log.js';
import { LogSink } from '../observability/log-sink.js';
import { createLogger, type Logger } from '../observability/logger.js';
import {
  createMetrics,
  registerLogMetrics,
  registerPoolMetrics,
  registerReadinessMetrics,
  type Metrics,
} from '../observability/metrics.js';
import { RequestContext } from '../observability/request-context.js';

/** How long a readiness ping may take before the database counts as down. */
const READINESS_PING_TIMEOUT_MS = 1_000;
/** At most one "lines dropped" warning this often, however long stdout stays blocked; the counter is exact. */
const DROP_WARNING_INTERVAL_MS = 10_000;

export interface Service {
  app: Express;
  config: Config;
  logger: Logger;
  /** Where every log line goes; flushed before a clean exit. */
  logSink: LogSink;
  metrics: Metrics;
  readiness: Readiness;
  sequelize: Sequelize;
  trustedProxies: TrustedProxies;
}

/** Composition root: builds every part from the parsed config. Opens no connection yet. */
export function createService(config: Config, options: { logStream?: Writable } = {}): Service {
  const requestContext = new RequestContext();
  const logSink =
    options.logStream === undefined
      ? LogSink.buffered({ fd: 1, bufferBytes: config.log.bufferBytes, flushIntervalMs: config.log.flushIntervalMs })
      : LogSink.forStream(options.logStream);
  const logger = createLogger({ level: config.logLevel, service: config.service, context: requestContext, sink: logSink });
  reportDrops(logSink, logger);
  const accessLog = config.instrumentation.accessLog ? new AccessLog(config.logLevel, config.service, logSink) : undefined;
  const metrics = createMetrics({ version: config.service.version });
  registerLogMetrics(metrics.registry, () => logSink.droppedLines);
  const sequelize = createSequelize(config.database, config.service.name);
  const readiness = new Readiness(() => pingDatabase(sequelize, READINESS_PING_TIMEOUT_MS), {
    waitForMigrations: config.migrateOnStart,
  });
  registerPoolMetrics(metrics.registry, () => poolStats(sequelize, config.database.poolMax));
  registerReadinessMetrics(metrics.registry, () => readiness.snapshot());

  const repository = new TodoRepository(sequelize, defineTodoModel(sequelize), metrics);
  const todos = new TodoService(repository, {
    created: () => metrics.todosCreated.inc(),
    completed: () => metrics.todosCompleted.inc(),
    deleted: () => metrics.todosDeleted.inc(),
  });
  const trustedProxies = new TrustedProxies(config.trustProxy, logger);
  const app = createApp({ config, logger, accessLog, metrics, requestContext, readiness, todos, trustedProxies });
  return { app, config, logger, logSink, metrics, readiness, sequelize, trustedProxies };
}

/**
 * One warning line for lines dropped, written once the buffer has room again
 * (a line written while it is full would be dropped too), at most one per
 * DROP_WARNING_INTERVAL_MS with the count since the last one.
 */
function reportDrops(sink: LogSink, logger: Logger): void {
  let unreported = 0;
  let lastWarning = -Infinity;
  sink.onDrop((lines) => {
    unreported += lines;
  });
  sink.onWrite(() => {
    if (unreported === 0 || performance.now() - lastWarning < DROP_WARNING_INTERVAL_MS) return;
    const lines = unreported;
    unreported = 0;
    lastWarning = performance.now();
    logger.warn(`log buffer full: ${lines} log lines dropped (log_lines_dropped_total counts them all)`, {
      'event.action': 'log-lines-dropped',
      'labels.dropped_lines': String(lines),
    });
  });
}
