import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RateLimitedError } from '../http-errors.js';

/** Fixed-window limit per client address; `max` 0 switches it off. */
export function rateLimitPerClient(options: { max: number; windowMs: number }): RequestHandler {
  if (options.max === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // With TRUST_PROXY=false an X-Forwarded-For header is ignored on purpose (a
    // client may send one); the library would print a warning to stderr for it.
    validate: { xForwardedForHeader: false },
    handler: (req, _res, next) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime === undefined ? options.windowMs / 1000 : (resetTime.getTime() - Date.now()) / 1000;
      next(new RateLimitedError(Math.max(1, Math.ceil(seconds))));
    },
  });
}
