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
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, registerPoolMetrics, registerReadinessMetrics, type Metrics } from '../observability/metrics.js';
import { RequestContext } from '../observability/request-context.js';

/** How long a readiness ping may take before the database counts as down. */
const READINESS_PING_TIMEOUT_MS = 1_000;

export interface Service {
  app: Express;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  sequelize: Sequelize;
  trustedProxies: TrustedProxies;
}

/** Composition root: builds every part from the parsed config. Opens no connection yet. */
export function createService(config: Config, options: { logStream?: Writable } = {}): Service {
  const requestContext = new RequestContext();
  const logger = createLogger({
    level: config.logLevel,
    service: config.service,
    context: requestContext,
    ...(options.logStream === undefined ? {} : { stream: options.logStream }),
  });
  const metrics = createMetrics({ version: config.service.version });
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
  const app = createApp({ config, logger, metrics, requestContext, readiness, todos, trustedProxies });
  return { app, config, logger, metrics, readiness, sequelize, trustedProxies };
}
