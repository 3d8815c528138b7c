import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, type DomainErrorCode, type ErrorDetail } from '../../../domain/errors.js';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, type HttpErrorCode } from '../http-errors.js';

export interface ErrorBody {
  error: { code: DomainErrorCode | HttpErrorCode | 'INTERNAL'; message: string; requestId: string; details?: ErrorDetail[] };
}

/** body-parser's errors carry a `type`; translate the ones a client caused. */
function fromBodyParser(error: unknown): AppError | undefined {
  const { type, limit } = (error ?? {}) as { type?: unknown; limit?: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return new MalformedJsonError();
    case 'entity.too.large':
      return new PayloadTooLargeError(typeof limit === 'number' ? `${limit / 1024} KiB` : 'the limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError();
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new MalformedJsonError();
    default:
      return undefined;
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`));
};

/**
 * The one place errors become responses. Trusted errors keep their status and
 * message; anything else is a bug: 500 with a generic message, and the error
 * (stack included) only in the log line, never in the body.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    // Too late to answer; let Node end the connection.
    res.locals.error = error;
    next(error);
    return;
  }
  const trusted = error instanceof AppError ? error : fromBodyParser(error);
  const requestId = res.locals.requestId as string;
  let body: ErrorBody;
  if (trusted === undefined) {
    res.locals.error = error;
    res.status(500);
    body = { error: { code: 'INTERNAL', message: 'Internal server error', requestId } };
  } else {
    if (trusted.status >= 500) {
      // An expected operational failure (the database is away): logged without a stack.
      res.locals.error = trusted.cause ?? trusted;
      res.locals.errorTrusted = true;
    }
    res.status(trusted.status).set(trusted.headers);
    body = { error: { code: trusted.code as DomainErrorCode | HttpErrorCode, message: trusted.message, requestId } };
    if (trusted.details !== undefined) body.error.details = trusted.details;
  }
  res.json(body);
};
