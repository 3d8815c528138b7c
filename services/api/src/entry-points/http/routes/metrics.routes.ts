import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { allowOnly } from '../middleware/method-not-allowed.js';
import { exactRouter } from '../router.js';

export function metricsRoutes(registry: Registry): Router {
  const router = exactRouter();
  router
    .route('/metrics')
    .get(async (_req, res) => {
      const body = await registry.metrics();
      res.set('Content-Type', registry.contentType).send(body);
    })
    .all(allowOnly('GET'));
  return router;
}
