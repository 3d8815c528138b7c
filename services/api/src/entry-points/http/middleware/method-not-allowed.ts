import type { RequestHandler } from 'express';
import { MethodNotAllowedError } from '../http-errors.js';

/** Ends a route chain: OPTIONS gets the Allow list, any other method a 405. */
export function allowOnly(...methods: string[]): RequestHandler {
  const allowed = methods.includes('GET') ? [...methods, 'HEAD', 'OPTIONS'] : [...methods, 'OPTIONS'];
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      res.set('Allow', allowed.join(', ')).status(204).end();
      return;
    }
    next(new MethodNotAllowedError(req.method, allowed));
  };
}
