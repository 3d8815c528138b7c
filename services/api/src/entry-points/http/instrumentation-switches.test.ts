import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessLog } from '../../observability/access-log.js';
import { metricValue, startTestService, type TestService } from '../../test-support/service.js';

// HTTP_METRICS and ACCESS_LOG exist so the benchmark can measure what the
// per-request instrumentation costs. No database is needed: neither route touches it.
const services: TestService[] = [];
async function serviceWith(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ DB_HOST: '127.0.0.1', DB_PASSWORD: 'unused', ...env }, { migrate: false });
  services.push(service);
  return service;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

describe('instrumentation switches', () => {
  it('count and log every request by default', async () => {
    const service = await serviceWith({});
    await request(service.app).get('/health/live').expect(200);
    await request(service.app).get('/nowhere').expect(404);
    expect(await metricValue(service, 'http_requests_total', { route: '/health/live', status_code: '200' })).toBe(1);
    expect(service.logs.lines.filter((line) => line['url.path'] !== undefined)).toHaveLength(2);
  });

  it('HTTP_METRICS=false records no http_* series and still serves /metrics', async () => {
    const service = await serviceWith({ HTTP_METRICS: 'false' });
    await request(service.app).get('/health/live').expect(200);
    const scrape = await request(service.app).get('/metrics').expect(200);
    expect(scrape.text).toMatch(/^process_cpu_seconds_total /m);
    expect(scrape.text).not.toMatch(/^http_requests_total\{/m);
    expect(service.logs.lines.filter((line) => line['url.path'] === '/health/live')).toHaveLength(1);
  });

  it('ACCESS_LOG=false writes no per-request line and still counts the request', async () => {
    const service = await serviceWith({ ACCESS_LOG: 'false' });
    await request(service.app).get('/health/live').expect(200);
    expect(service.logs.lines.filter((line) => line['url.path'] !== undefined)).toEqual([]);
    expect(await metricValue(service, 'http_requests_total', { route: '/health/live', status_code: '200' })).toBe(1);
  });
});

describe('access log below the configured level', () => {
  it('builds no line for a probe at LOG_LEVEL=info, and never goes through winston', async () => {
    const service = await serviceWith({ LOG_LEVEL: 'info' });
    const built = vi.spyOn(AccessLog.prototype, 'format');
    const throughWinston = vi.spyOn(service.logger.format, 'transform');
    await request(service.app).get('/health/live').expect(200);
    await request(service.app).get('/nowhere').expect(404);
    expect(built).toHaveBeenCalledTimes(1);
    expect(throughWinston).not.toHaveBeenCalled();
    expect(service.logs.lines.map((line) => line.message)).toEqual(['GET /nowhere 404']);
    built.mockRestore();
  });
});
