import { AppError } from '../../domain/errors.js';

/**
 * Errors only HTTP can raise: about the request's form (body, media type,
 * method, rate), not about todos. Trusted, like the domain's errors.
 */

export type HttpErrorCode = 'MALFORMED_JSON' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'RATE_LIMITED';

export class MalformedJsonError extends AppError {
  readonly status = 400;
  readonly code: HttpErrorCode = 'MALFORMED_JSON';
  constructor() {
    super('Request body is not valid JSON');
  }
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code: HttpErrorCode = 'METHOD_NOT_ALLOWED';
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed here`, { headers: { Allow: allowed.join(', ') } });
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code: HttpErrorCode = 'PAYLOAD_TOO_LARGE';
  constructor(limit: string) {
    super(`Request body is larger than ${limit}`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code: HttpErrorCode = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('Request body must be JSON (Content-Type: application/json)');
  }
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code: HttpErrorCode = 'RATE_LIMITED';
  constructor(retryAfterSeconds: number) {
    super('Too many requests, slow down', { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}
