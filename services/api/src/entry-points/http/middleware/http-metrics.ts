import type { RequestHandler } from 'express';
import type { Metrics } from '../../../observability/metrics.js';
import { elapsedSeconds, onResponseDone, routeLabel } from './response-done.js';

export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    onResponseDone(res, () => {
      metrics.httpInFlight.dec();
      const labels = { method: req.method, route: routeLabel(req), status_code: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, elapsedSeconds(startedAt));
    });
    next();
  };
}
