import { describe, expect, it } from 'vitest';
import { sampleValue } from './metrics.js';

const text = [
  '# HELP http_requests_total x',
  '# TYPE http_requests_total counter',
  'http_requests_total{method="GET",route="/api/todos",status_code="200"} 7',
  'http_requests_total{method="GET",route="unmatched",status_code="404"} 2',
  'app_ready 1',
].join('\n');

describe('sampleValue', () => {
  it('reads the sample whose labels include the wanted ones', () => {
    expect(sampleValue(text, 'http_requests_total', { route: 'unmatched' })).toBe(2);
    expect(sampleValue(text, 'app_ready')).toBe(1);
  });

  it('throws on a missing series instead of answering 0', () => {
    expect(() => sampleValue(text, 'http_requests_total', { route: '/api/nope' })).toThrow(/no series http_requests_total/);
    expect(() => sampleValue(text, 'app_redy')).toThrow(/no series app_redy/);
  });
});
