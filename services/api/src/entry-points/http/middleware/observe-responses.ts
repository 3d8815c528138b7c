import type { Request, RequestHandler, Response } from 'express';
import type { AccessLevel, AccessLog } from '../../../observability/access-log.js';
import { errorFields } from '../../../observability/logger.js';
import { UNMATCHED_ROUTE, type Metrics } from '../../../observability/metrics.js';

/** Probes and scrapes (by route template) arrive every few seconds; at debug level they do not drown the real traffic. */
const PROBE_ROUTES = new Set(['/metrics', '/health', '/health/live', '/health/ready']);

export interface ResponseObservers {
  /** Request count, duration and in-flight gauge; off only while the benchmark measures their cost (HTTP_METRICS). */
  metrics?: Metrics | undefined;
  /** One access-log line per request; off only while the benchmark measures its cost (ACCESS_LOG). */
  accessLog?: AccessLog | undefined;
}

/**
 * Metrics and the access log for every response, from one `close` listener:
 * Node emits `close` once per response, after `finish` when it was sent
 * whole, alone when the client went away first (`writableFinished` tells
 * which). This runs on every request, so it allocates as little as it can
 * (docs/benchmark.md, "Where the time went").
 */
export function observeResponses({ metrics, accessLog }: ResponseObservers): RequestHandler {
  if (metrics === undefined && accessLog === undefined) return (_req, _res, next) => next();
  return (req, res, next) => {
    // A double, not hrtime.bigint(): no allocation per request, and sub-microsecond resolution.
    const startedAt = performance.now();
    if (metrics !== undefined) metrics.httpInFlight.count += 1;
    res.on('close', () => {
      const milliseconds = performance.now() - startedAt;
      const route = routeLabel(req);
      if (metrics !== undefined) {
        metrics.httpInFlight.count -= 1;
        metrics.http.record(req.method, route, res.statusCode, milliseconds / 1000);
      }
      if (accessLog !== undefined) writeAccessLine(accessLog, req, res, route, milliseconds);
    });
    next();
  };
}

/** The route template (`/api/todos/:id`), never the raw path, so labels stay bounded. */
export function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : UNMATCHED_ROUTE;
}

/**
 * One ECS line per request, with the fields set explicitly: no headers,
 * no bodies, no query string (it can carry personal data).
 */
function writeAccessLine(accessLog: AccessLog, req: Request, res: Response, route: string, milliseconds: number): void {
  const status = res.statusCode;
  // Trusted 5xx (503 while PostgreSQL is away) are expected: warn, no stack. Bugs keep error and their stack.
  const trusted = res.locals.errorTrusted === true;
  const level: AccessLevel = status >= 500 && !trusted ? 'error' : status >= 400 ? 'warn' : PROBE_ROUTES.has(route) ? 'debug' : 'info';
  // Decided before any string work: at the default `info`, probes and scrapes cost nothing here.
  if (!accessLog.isLevelEnabled(level)) return;
  const path = req.originalUrl.split('?', 1)[0] ?? '/';
  const error: unknown = res.locals.error;
  const fields = status >= 500 && error !== undefined ? errorFields(error, { stack: !trusted }) : undefined;
  accessLog.write(level, `${req.method} ${path} ${status}`, {
    requestId: res.locals.requestId as string,
    method: req.method,
    path,
    status,
    // ECS event.duration is in nanoseconds.
    durationNs: Math.round(milliseconds * 1e6),
    aborted: !res.writableFinished,
    error:
      fields === undefined
        ? undefined
        : {
            type: fields['error.type']!,
            message: fields['error.message']!,
            ...(fields['error.stack_trace'] === undefined ? {} : { stackTrace: fields['error.stack_trace'] }),
          },
  });
}
