import cors from 'cors';
import express, { type Express } from 'express';
import type { Config } from '../../config/config.js';
import type { Readiness } from '../../domain/readiness.js';
import type { TodoService } from '../../domain/todo.service.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RequestContext } from '../../observability/request-context.js';
import { errorHandler, notFound } from './middleware/errors.js';
import type { AccessLog } from '../../observability/access-log.js';
import { observeResponses } from './middleware/observe-responses.js';
import { rateLimitPerClient } from './middleware/rate-limit.js';
import { requestId } from './middleware/request-id.js';
import { securityHeaders } from './middleware/security-headers.js';
import { ROUTING_OPTIONS } from './router.js';
import type { TrustedProxies } from './trust-proxy.js';
import { chaosRoutes } from './routes/chaos.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import { todoRoutes } from './routes/todos.routes.js';

export interface AppDependencies {
  config: Pick<Config, 'chaosEndpoints' | 'corsOrigins' | 'rateLimit' | 'instrumentation'>;
  trustedProxies: TrustedProxies;
  logger: Logger;
  /** One ECS line per request; undefined when ACCESS_LOG=false. */
  accessLog: AccessLog | undefined;
  metrics: Metrics;
  requestContext: RequestContext;
  readiness: Readiness;
  todos: TodoService;
}

/** The Express app without listen(): tests drive it directly, server.ts serves it. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustedProxies.expressSetting());
  app.set('etag', false);
  // Exact paths only: see router.ts. The app's own router (app.use) follows these settings.
  app.set('case sensitive routing', ROUTING_OPTIONS.caseSensitive);
  app.set('strict routing', ROUTING_OPTIONS.strict);

  app.use(requestId(deps.requestContext));
  app.use((_req, res, next) => {
    // While draining, tell keep-alive clients to reconnect elsewhere.
    if (deps.readiness.isShuttingDown) res.set('Connection', 'close');
    next();
  });
  app.use(
    observeResponses({
      // Off only while the benchmark measures their cost (HTTP_METRICS, ACCESS_LOG).
      metrics: deps.config.instrumentation.httpMetrics ? deps.metrics : undefined,
      accessLog: deps.accessLog,
    }),
  );
  app.use(securityHeaders());
  // No origins configured: no CORS headers at all, and no middleware to decide that per request.
  if (deps.config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: deps.config.corsOrigins,
        exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }

  app.use(healthRoutes(deps.readiness));
  app.use(metricsRoutes(deps.metrics.registry));
  app.use('/api', rateLimitPerClient(deps.config.rateLimit));
  app.use(todoRoutes(deps.todos));
  if (deps.config.chaosEndpoints) app.use(chaosRoutes());

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
