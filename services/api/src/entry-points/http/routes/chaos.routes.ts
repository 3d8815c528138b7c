import { setTimeout as sleep } from 'node:timers/promises';
import type { Router } from 'express';
import { ValidationError } from '../../../domain/errors.js';
import { allowOnly } from '../middleware/method-not-allowed.js';
import { exactRouter } from '../router.js';

export const MAX_SIMULATED_LATENCY_MS = 10_000;

/** Thrown on purpose; an untrusted error, so it takes the same path as a real bug. */
export class SimulatedFailure extends Error {
  constructor() {
    super('Simulated failure for an alert drill');
    this.name = 'SimulatedFailure';
  }
}

function parseDelay(raw: unknown): number {
  if (typeof raw === 'string' && /^\d{1,5}$/.test(raw) && Number(raw) <= MAX_SIMULATED_LATENCY_MS) return Number(raw);
  throw new ValidationError('Invalid query', [{ field: 'ms', message: `must be an integer between 0 and ${MAX_SIMULATED_LATENCY_MS}` }]);
}

/** Drill endpoints: a 500 and a slow response on demand, to exercise alerts. */
export function chaosRoutes(): Router {
  const router = exactRouter();
  router
    .route('/api/simulate-error')
    .get(() => {
      throw new SimulatedFailure();
    })
    .all(allowOnly('GET'));
  router
    .route('/api/simulate-latency')
    .get(async (req, res) => {
      const ms = parseDelay(req.query.ms);
      await sleep(ms);
      res.json({ delayedMs: ms });
    })
    .all(allowOnly('GET'));
  return router;
}
