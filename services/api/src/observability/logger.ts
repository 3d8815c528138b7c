import { ecsFormat } from '@elastic/ecs-winston-format';
import winston from 'winston';
import TransportStream from 'winston-transport';
import type { Writable } from 'node:stream';
import type { LogSink } from './log-sink.js';
import type { RequestContext } from './request-context.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  service: { name: string; version: string };
  context: RequestContext;
  /** Where lines go: the service's LogSink (buffered stdout), a test's stream, or else stdout line by line (migrate). */
  sink?: LogSink;
  stream?: Writable;
}

/** winston's lines into a LogSink, so they share its buffer, and its order, with the access log. */
/** triple-beam's MESSAGE: where winston's formats leave the finished line. */
const MESSAGE = Symbol.for('message');

class SinkTransport extends TransportStream {
  constructor(private readonly sink: LogSink) {
    super();
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    this.sink.write(`${info[MESSAGE] as string}\n`);
    callback();
  }
}

/** Adds the current request's id to lines that do not carry one already. */
function requestIdFormat(context: RequestContext): winston.Logform.Format {
  return winston.format((info) => {
    const scope = context.current();
    if (scope !== undefined && info['http.request.id'] === undefined) info['http.request.id'] = scope.requestId;
    return info;
  })();
}

/** ECS JSON lines, one per event, on stdout. */
export function createLogger(options: LoggerOptions): Logger {
  const transport =
    options.sink !== undefined
      ? new SinkTransport(options.sink)
      : options.stream === undefined
        ? new winston.transports.Console()
        : new winston.transports.Stream({ stream: options.stream });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      requestIdFormat(options.context),
      // convertReqRes stays off: it serialises every header (cookies, authorization)
      // and costs throughput; the access log sets the HTTP fields itself.
      ecsFormat({
        convertReqRes: false,
        apmIntegration: false,
        serviceName: options.service.name,
        serviceVersion: options.service.version,
      }),
    ),
    transports: [transport],
  });
}

/**
 * ECS error fields from an error, without its enumerable properties (SQL, bind parameters).
 * `stack: false` for expected operational failures: the type and message say
 * what happened, and a stack per request during an outage only floods the log.
 */
export function errorFields(error: unknown, options: { stack?: boolean } = {}): Record<string, string> {
  if (error instanceof Error) {
    return {
      'error.type': error.name === 'Error' ? error.constructor.name : error.name,
      'error.message': error.message,
      ...(options.stack === false ? {} : { 'error.stack_trace': error.stack ?? '' }),
    };
  }
  return { 'error.type': typeof error, 'error.message': String(error) };
}
