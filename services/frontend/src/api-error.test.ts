import { describe, expect, it } from 'vitest';
import { ApiError, networkError, parseErrorResponse, toErrorInfo } from './api-error.js';

describe('parseErrorResponse', () => {
  it("takes the API's message, code and request id from its error envelope", () => {
    const body = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Todo 42 not found', requestId: 'req-body' } });
    expect(parseErrorResponse(404, body, 'req-header')).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      message: 'Todo 42 not found',
      requestId: 'req-body',
    });
  });

  it('appends validation details to the message', () => {
    const body = JSON.stringify({
      error: {
        code: 'VALIDATION_ERROR',
        message: 'Invalid request body',
        requestId: 'r1',
        details: [{ path: 'title', message: 'Title must be 1-200 characters' }, { path: 'x' }, 'plain detail'],
      },
    });
    expect(parseErrorResponse(400, body, null).message).toBe('Invalid request body: Title must be 1-200 characters; plain detail');
  });

  it('falls back to the X-Request-Id header when the body has no request id', () => {
    const body = JSON.stringify({ error: { code: 'INTERNAL', message: 'Boom' } });
    expect(parseErrorResponse(500, body, 'req-header')).toMatchObject({ message: 'Boom', requestId: 'req-header' });
  });

  it("explains nginx's HTML 502 and 504 pages and keeps the header's request id", () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
    expect(parseErrorResponse(502, html, 'abc123')).toEqual({
      status: 502,
      code: 'HTTP_502',
      message: expect.stringMatching(/unavailable.*HTTP 502/) as unknown,
      requestId: 'abc123',
    });
    expect(parseErrorResponse(504, '', 'def456')).toMatchObject({ code: 'HTTP_504', requestId: 'def456' });
  });

  it('copes with JSON that is not the envelope, and with no request id at all', () => {
    expect(parseErrorResponse(500, '{"message":"nope"}', null)).toMatchObject({ code: 'HTTP_500', requestId: null });
    expect(parseErrorResponse(503, 'null', '  ')).toMatchObject({ requestId: null });
    expect(parseErrorResponse(418, '{"error":{"message":""}}', null).message).toBe('The request failed (HTTP 418).');
  });
});

describe('toErrorInfo', () => {
  it('unwraps ApiError and wraps anything else', () => {
    const info = networkError();
    expect(toErrorInfo(new ApiError(info))).toBe(info);
    expect(toErrorInfo(new Error('bad'))).toMatchObject({ code: 'CLIENT_ERROR', message: 'bad', requestId: null });
    expect(toErrorInfo('weird')).toMatchObject({ message: 'Something went wrong.' });
  });
});
