import type { RequestHandler } from 'express';
import { errorFields, type Logger } from '../../../observability/logger.js';
import { onResponseDone } from './response-done.js';

/** Probes and scrapes arrive every few seconds; at debug level they do not drown the real traffic. */
const PROBE_PATHS = new Set(['/metrics', '/health', '/health/live', '/health/ready']);

/**
 * One ECS line per request, with the fields set explicitly: no headers,
 * no bodies, no query string (it can carry personal data).
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    onResponseDone(res, () => {
      const status = res.statusCode;
      const path = req.originalUrl.split('?', 1)[0] ?? '/';
      const error: unknown = res.locals.error;
      // Trusted 5xx (503 while PostgreSQL is away) are expected: warn, no stack. Bugs keep error and their stack.
      const trusted = res.locals.errorTrusted === true;
      const level =
        status >= 500 && !trusted ? 'error' : status >= 400 ? 'warn' : PROBE_PATHS.has(path) ? 'debug' : 'info';
      // winston formats a line (ECS fields, JSON) before its transport drops it by
      // level: at the default `info`, every probe and scrape would pay that for nothing.
      if (!logger.isLevelEnabled(level)) return;
      logger.log(level, `${req.method} ${path} ${status}`, {
        'http.request.id': res.locals.requestId as string,
        'http.request.method': req.method,
        'url.path': path,
        'http.response.status_code': status,
        // ECS event.duration is in nanoseconds.
        'event.duration': Number(process.hrtime.bigint() - startedAt),
        ...(res.writableFinished ? {} : { 'event.outcome': 'unknown', 'labels.aborted': 'true' }),
        ...(status >= 500 && error !== undefined ? errorFields(error, { stack: !trusted }) : {}),
      });
    });
    next();
  };
}
