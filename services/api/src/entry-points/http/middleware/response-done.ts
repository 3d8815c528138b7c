import type { Request, Response } from 'express';
import { UNMATCHED_ROUTE } from '../../../observability/metrics.js';

/** Calls back once, when the response finished or the client went away. */
export function onResponseDone(res: Response, callback: () => void): void {
  let called = false;
  const done = () => {
    if (called) return;
    called = true;
    callback();
  };
  res.once('finish', done);
  res.once('close', done);
}

/** The route template (`/api/todos/:id`), never the raw path, so labels stay bounded. */
export function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : UNMATCHED_ROUTE;
}

export function elapsedSeconds(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e9;
}
