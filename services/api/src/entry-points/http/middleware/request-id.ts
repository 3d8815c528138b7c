import type { RequestHandler } from 'express';
import { acceptRequestId, type RequestContext } from '../../../observability/request-context.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** First middleware: every response, including errors, carries the request id. */
export function requestId(context: RequestContext): RequestHandler {
  return (req, res, next) => {
    const id = acceptRequestId(req.headers['x-request-id']);
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    context.run({ requestId: id }, next);
  };
}
