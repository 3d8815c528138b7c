import { Router } from 'express';

/**
 * Express matches paths case-insensitively and ignores a trailing slash by
 * default, so `/api/SIMULATE-ERROR` or `/api/simulate-error/` would reach the
 * handler that the edge blocks by its exact path. Every router in the API is
 * made with these options, and the app sets the same two settings.
 */
export const ROUTING_OPTIONS = { caseSensitive: true, strict: true } as const;

export function exactRouter(): Router {
  return Router(ROUTING_OPTIONS);
}
