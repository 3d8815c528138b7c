/**
 * Trusted errors: expected outcomes the service knows how to answer. Anything
 * else reaching the error middleware is untrusted and becomes a bare 500.
 */

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'MALFORMED_JSON'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorDetail {
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers the status code requires (Allow, Retry-After). */
  readonly headers: Record<string, string>;

  protected constructor(message: string, options: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'VALIDATION_ERROR';
  constructor(message: string, details?: ErrorDetail[]) {
    super(message, details === undefined ? {} : { details });
  }
}

export class MalformedJsonError extends AppError {
  readonly status = 400;
  readonly code = 'MALFORMED_JSON';
  constructor() {
    super('Request body is not valid JSON');
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
  constructor(message = 'Resource not found') {
    super(message);
  }
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'METHOD_NOT_ALLOWED';
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed here`, { headers: { Allow: allowed.join(', ') } });
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limit: string) {
    super(`Request body is larger than ${limit}`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('Request body must be JSON (Content-Type: application/json)');
  }
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';
  constructor(retryAfterSeconds: number) {
    super('Too many requests, slow down', { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(message = 'The database is unavailable, try again shortly', cause?: unknown) {
    super(message, { cause });
  }
}
