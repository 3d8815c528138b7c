/**
 * Trusted errors: expected outcomes the service knows how to answer. Anything
 * else reaching the error middleware is untrusted and becomes a bare 500.
 */

/** The domain's codes; the HTTP layer adds its own (entry-points/http/http-errors.ts). */
export type DomainErrorCode = 'VALIDATION_ERROR' | 'NOT_FOUND' | 'SERVICE_UNAVAILABLE';

export interface ErrorDetail {
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Machine-readable, in the response body: UPPER_SNAKE_CASE. */
  abstract readonly code: string;
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
  readonly code: DomainErrorCode = 'VALIDATION_ERROR';
  constructor(message: string, details?: ErrorDetail[]) {
    super(message, details === undefined ? {} : { details });
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code: DomainErrorCode = 'NOT_FOUND';
  constructor(message = 'Resource not found') {
    super(message);
  }
}

export class ServiceUnavailableError extends AppError {
  readonly status = 503;
  readonly code: DomainErrorCode = 'SERVICE_UNAVAILABLE';
  constructor(message = 'The database is unavailable, try again shortly', cause?: unknown) {
    super(message, { cause });
  }
}
