import { describe, expect, it } from 'vitest';
import { chaosProblem, rateLimitPerMinute, rateLimitProblem, stackProblem, type Probe } from './preflight.ts';

const page = JSON.stringify({ items: [], total: 0, limit: 20, offset: 0 });
const probe = (over: Partial<Probe>): Probe => ({
  url: 'http://frontend:8080/api/todos?limit=20',
  status: 200,
  body: page,
  headers: {},
  ...over,
});

describe('stackProblem', () => {
  it('passes a stack that lists todos', () => {
    expect(stackProblem(probe({}))).toBeUndefined();
  });

  it('says the stack is not up, and how to start it, when nothing answers', () => {
    const problem = stackProblem(probe({ status: 0, body: null, error: 'dial tcp: lookup frontend: no such host' }));
    expect(problem).toMatch(/does not answer at http:\/\/frontend:8080.*no such host.*docker compose up/);
  });

  it('refuses a 502 from nginx (API down) and a 200 that is not the todo API', () => {
    expect(stackProblem(probe({ status: 502, body: '<html>' }))).toMatch(/answered 502, not 200/);
    expect(stackProblem(probe({ body: '<html>hello</html>' }))).toMatch(/not a page of todos/);
  });
});

describe('chaosProblem', () => {
  const drill = (over: Partial<Probe>) => probe({ url: 'http://api:8000/api/simulate-latency?ms=0', body: '{"delayedMs":0}', ...over });

  it('passes when the drill endpoint answers', () => {
    expect(chaosProblem(drill({}))).toBeUndefined();
  });

  it('on a 404, names both causes: the drill endpoints are off, or CHAOS_BASE_URL is nginx', () => {
    const problem = chaosProblem(drill({ status: 404, body: '{"error":{}}' }));
    expect(problem).toMatch(/answered 404: either the drill endpoints are off.*CHAOS_ENDPOINTS=true/);
    expect(problem).toMatch(/CHAOS_BASE_URL is the public nginx.*http:\/\/api:8000/);
  });

  it('says CHAOS_BASE_URL must reach the API when nothing answers, and refuses odd answers', () => {
    expect(chaosProblem(drill({ status: 0, body: null }))).toMatch(/CHAOS_BASE_URL must reach the API itself/);
    expect(chaosProblem(drill({ status: 200, body: '{}' }))).toMatch(/not 200 \{"delayedMs":0\}/);
  });
});

describe('the rate-limiter check', () => {
  it('reads the draft-7 policy header, in any case', () => {
    expect(rateLimitPerMinute({ 'Ratelimit-Policy': '600;w=60' })).toBe(600);
    expect(rateLimitPerMinute({ 'ratelimit-policy': '100;w=10' })).toBe(600);
    expect(rateLimitPerMinute({})).toBeUndefined();
  });

  it('passes when the limiter is off (no header) or the run stays within 80% of it', () => {
    expect(rateLimitProblem({}, 100_000)).toBeUndefined();
    expect(rateLimitProblem({ 'Ratelimit-Policy': '600;w=60' }, 480)).toBeUndefined();
  });

  it('stops a run that would meet the limiter, naming API_RATE_LIMIT_MAX', () => {
    const problem = rateLimitProblem({ 'Ratelimit-Policy': '600;w=60' }, 1500);
    expect(problem).toMatch(/allows 600 requests per minute per client.*up to 1500.*API_RATE_LIMIT_MAX=0/);
  });
});
