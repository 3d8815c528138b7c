import type { RequestHandler } from 'express';

/**
 * The response headers of a JSON API (OWASP REST Security Cheat Sheet), set
 * from one table built once. helmet() sets 13 headers meant for HTML pages
 * through one small middleware each: about twice the CPU of this table per
 * request (docs/benchmark.md). Pages are served by nginx, which sets its own
 * browser headers and hides these
 * (services/frontend/nginx/templates/default.conf.template).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // A JSON body is never a document: no scripts, styles or frames from it.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // Other sites may not embed responses without CORS; CORS_ORIGINS grants that.
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function securityHeaders(): RequestHandler {
  const entries = Object.entries(API_SECURITY_HEADERS);
  return (_req, res, next) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}
