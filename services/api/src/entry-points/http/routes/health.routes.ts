import type { Request, Response, Router } from 'express';
import type { Readiness } from '../../../domain/readiness.js';
import { allowOnly } from '../middleware/method-not-allowed.js';
import { exactRouter } from '../router.js';

export function healthRoutes(readiness: Readiness): Router {
  const router = exactRouter();

  router
    .route('/health/live')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(allowOnly('GET'));

  const ready = async (_req: Request, res: Response) => {
    const report = await readiness.check();
    res
      .status(report.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
  };
  router.route('/health/ready').get(ready).all(allowOnly('GET'));
  router.route('/health').get(ready).all(allowOnly('GET'));

  return router;
}
