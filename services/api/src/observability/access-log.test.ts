import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AccessLog, type AccessFields, type AccessLevel } from './access-log.js';
import { LogSink } from './log-sink.js';
import { createLogger } from './logger.js';
import { RequestContext } from './request-context.js';

const SERVICE = { name: 'todo-api', version: '1.2.3' };

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }
}

/** What the access log wrote before it had its own serializer: winston with ecs-winston-format, the fields set explicitly. */
function throughWinston(level: AccessLevel, message: string, fields: AccessFields): string {
  const out = new Lines();
  const logger = createLogger({ level: 'debug', service: SERVICE, context: new RequestContext(), stream: out });
  logger.log(level, message, {
    'http.request.id': fields.requestId,
    'http.request.method': fields.method,
    'url.path': fields.path,
    'http.response.status_code': fields.status,
    'event.duration': fields.durationNs,
    ...(fields.aborted ? { 'event.outcome': 'unknown', 'labels.aborted': 'true' } : {}),
    ...(fields.error === undefined
      ? {}
      : {
          'error.type': fields.error.type,
          'error.message': fields.error.message,
          ...(fields.error.stackTrace === undefined ? {} : { 'error.stack_trace': fields.error.stackTrace }),
        }),
  });
  return out.lines.join('');
}

const TIMESTAMP = /"@timestamp":"[^"]+"/;
const at = (line: string): string => line.replace(TIMESTAMP, '"@timestamp":"T"');

describe('AccessLog', () => {
  const accessLog = new AccessLog('debug', SERVICE, LogSink.forStream(new Lines()));
  const paths = ['/api/todos', '/api/todos/12', '/a"b\\c', '/ünï/😀', '/\u2028\u0007', '/lone\ud800'];
  const errors: AccessFields['error'][] = [
    undefined,
    { type: 'ServiceUnavailableError', message: 'Database unavailable' },
    { type: 'TypeError', message: 'x is "not"\n a function', stackTrace: 'TypeError: x\n    at <anonymous>' },
  ];

  it('writes the bytes winston with ecs-winston-format wrote, over every field combination', () => {
    let compared = 0;
    for (const level of ['error', 'warn', 'info', 'debug'] as const)
      for (const path of paths)
        for (const aborted of [false, true])
          for (const error of errors) {
            const fields: AccessFields = {
              requestId: 'req-1.a_B',
              method: 'PATCH',
              path,
              status: 503,
              durationNs: 1_234_567,
              aborted,
              error,
            };
            const message = `PATCH ${path} 503`;
            expect(at(accessLog.format(level, message, fields, new Date()))).toBe(at(throughWinston(level, message, fields)));
            compared += 1;
          }
    expect(compared).toBe(4 * paths.length * 2 * errors.length);
  });

  it('stamps the line with the time it is given, as ISO 8601 in UTC', () => {
    const fields: AccessFields = { requestId: 'r', method: 'GET', path: '/', status: 200, durationNs: 1, aborted: false };
    const line = accessLog.format('info', 'GET / 200', fields, new Date(Date.UTC(2026, 11, 4, 17, 0, 0, 5)));
    expect(JSON.parse(line)).toMatchObject({ '@timestamp': '2026-12-04T17:00:00.005Z', 'log.level': 'info' });
    expect(line.endsWith('}\n')).toBe(true);
  });

  it('decides levels as LOG_LEVEL does', () => {
    const info = new AccessLog('info', SERVICE, LogSink.forStream(new Lines()));
    expect(['error', 'warn', 'info', 'debug'].map((level) => info.isLevelEnabled(level as AccessLevel))).toEqual([true, true, true, false]);
    const error = new AccessLog('error', SERVICE, LogSink.forStream(new Lines()));
    expect(error.isLevelEnabled('warn')).toBe(false);
  });
});
