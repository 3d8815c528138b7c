import { ecsFormat } from '@elastic/ecs-winston-format';
import type { LogSink } from './log-sink.js';

/** winston's npm levels, the ones LOG_LEVEL takes. */
const SEVERITY: Record<string, number> = { error: 0, warn: 1, info: 2, debug: 5 };

export type AccessLevel = 'error' | 'warn' | 'info' | 'debug';

/** The fields of one access line beyond those every line has; `labels.aborted` and the error fields only when they apply. */
export interface AccessFields {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** ECS event.duration: nanoseconds. */
  durationNs: number;
  aborted: boolean;
  error?: { type: string; message: string; stackTrace?: string } | undefined;
}

const string = (value: string): string => JSON.stringify(value);

/** The ECS version ecs-winston-format writes, read from the format itself so the two cannot drift. */
const ecsVersion = String((ecsFormat().transform({ level: 'info', message: '' }) as Record<string, unknown>)['ecs.version']);

/**
 * The access log: one ECS line per request, the same bytes as winston with
 * `@elastic/ecs-winston-format` writes for the same fields (keys in the order
 * safe-stable-stringify sorts them; access-log.test.ts compares the two over
 * every field combination), built in one template string instead of winston's
 * pass (an info object, a Transform stream, the ECS format copying every field
 * into nested objects, a sorting stringify). Measured in-process on this
 * machine (100,000 lines, 3 runs): winston 15.6 µs a line to a null stream
 * (15.1–23.2), this 1.9 µs (1.8–2.0). Every other line of the service still
 * goes through winston, to the same LogSink, so the lines keep their order.
 */
export class AccessLog {
  private readonly threshold: number;
  private readonly head: string;
  private readonly datasetField: string;
  private readonly serviceTail: string;

  constructor(
    level: string,
    service: { name: string; version: string },
    private readonly sink: LogSink,
  ) {
    this.threshold = SEVERITY[level] ?? SEVERITY.info!;
    this.head = `,"ecs.version":${string(ecsVersion)}`;
    // event.dataset defaults to the service name in ecs-winston-format.
    this.serviceTail = `,"service.name":${string(service.name)},"service.version":${string(service.version)}`;
    this.datasetField = `,"event.dataset":${string(service.name)}`;
  }

  isLevelEnabled(level: AccessLevel): boolean {
    return SEVERITY[level]! <= this.threshold;
  }

  write(level: AccessLevel, message: string, fields: AccessFields): void {
    this.sink.write(this.format(level, message, fields, new Date()));
  }

  /** The line, newline included; `now` is its @timestamp. */
  format(level: AccessLevel, message: string, fields: AccessFields, now: Date): string {
    const error = fields.error;
    const errorFields =
      error === undefined
        ? ''
        : `,"error.message":${string(error.message)}` +
          (error.stackTrace === undefined ? '' : `,"error.stack_trace":${string(error.stackTrace)}`) +
          `,"error.type":${string(error.type)}`;
    return (
      `{"@timestamp":"${now.toISOString()}"${this.head}${errorFields}${this.datasetField},"event.duration":${fields.durationNs}` +
      `${fields.aborted ? ',"event.outcome":"unknown"' : ''},"http.request.id":${string(fields.requestId)}` +
      `,"http.request.method":${string(fields.method)},"http.response.status_code":${fields.status}` +
      `${fields.aborted ? ',"labels.aborted":"true"' : ''},"log.level":"${level}","message":${string(message)}` +
      `${this.serviceTail},"url.path":${string(fields.path)}}\n`
    );
  }
}
