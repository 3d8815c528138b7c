import { Writable } from 'node:stream';
import { sampleValue } from '@observable-todo/test-support/metrics';
import { configFromEnv, type Config } from '../config/config.js';
import { migrateUp } from '../data-access/migrator.js';
import { createService, type Service } from '../entry-points/service.js';

/** Test defaults: quiet rate limiter, chaos on, every line logged. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'debug',
  RATE_LIMIT_MAX: '0',
  CHAOS_ENDPOINTS: 'true',
  DB_CONNECT_TIMEOUT_MS: '1000',
};

export function testConfig(env: Record<string, string>): Config {
  const result = configFromEnv({ ...TEST_ENV, ...env });
  if (!result.ok) throw new Error(`test config invalid: ${result.errors.join('; ')}`);
  return result.config;
}

export type LogLine = Record<string, unknown> & { message: string; 'log.level': string };

/** Collects the ECS JSON lines a service writes, parsed. */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const text of chunk.toString('utf8').split('\n')) {
      if (text.trim() !== '') this.lines.push(JSON.parse(text) as LogLine);
    }
    callback();
  }

  forRequest(requestId: string): LogLine[] {
    return this.lines.filter((line) => line['http.request.id'] === requestId);
  }
}

export interface TestService extends Service {
  logs: LogCapture;
  close(): Promise<void>;
}

export async function startTestService(env: Record<string, string>, options: { migrate?: boolean } = {}): Promise<TestService> {
  const logs = new LogCapture();
  const service = createService(testConfig(env), { logStream: logs });
  if (options.migrate ?? true) await migrateUp(service.sequelize, service.logger);
  await service.trustedProxies.start();
  return {
    ...service,
    logs,
    close: () => {
      service.trustedProxies.stop();
      return service.sequelize.close();
    },
  };
}

/** One sample of the service's metrics; throws when the series does not exist (see sampleValue). */
export async function metricValue(service: Service, series: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleValue(await service.metrics.registry.metrics(), series, labels);
}

/**
 * A baseline for a counter or histogram the test is about to increase: a series
 * not created yet is 0 here. Read the result with metricValue, which throws.
 */
export async function baselineValue(service: Service, series: string, labels: Record<string, string> = {}): Promise<number> {
  try {
    return await metricValue(service, series, labels);
  } catch {
    return 0;
  }
}
