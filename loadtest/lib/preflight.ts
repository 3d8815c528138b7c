/**
 * What setup() checks before the first iteration, as pure functions over
 * the answers it got: the stack is up, the drill endpoints answer when the
 * chaos flow is on, the rate limiter will not turn the run into 429s. Each
 * returns the problem in words, or undefined.
 */
import { isDelay, isTodoPage, parseJson } from './requests.ts';

export interface Probe {
  url: string;
  /** 0 when no HTTP answer came (refused, DNS, timeout). */
  status: number;
  body: string | null;
  headers: Record<string, string>;
  /** k6's error text when status is 0. */
  error?: string;
}

const START_STACK = 'Start the stack first: docker compose up -d --build --wait (see loadtest/README.md).';

export function stackProblem(probe: Probe): string | undefined {
  if (probe.status === 0) return `the stack does not answer at ${probe.url} (${probe.error ?? 'no response'}). ${START_STACK}`;
  if (probe.status !== 200) return `GET ${probe.url} answered ${probe.status}, not 200. ${START_STACK}`;
  if (!isTodoPage(parseJson(probe.body))) return `GET ${probe.url} answered 200 but not a page of todos: is BASE_URL the todo stack?`;
  return undefined;
}

export function chaosProblem(probe: Probe): string | undefined {
  if (probe.status === 404) {
    return (
      `the chaos flow is on (CHAOS_SHARE > 0) but GET ${probe.url} answered 404: either the drill endpoints are off ` +
      '(start the API with CHAOS_ENDPOINTS=true, the compose default) or CHAOS_BASE_URL is the public nginx, which ' +
      'refuses them (it must be the API itself, e.g. http://api:8000). Or run without CHAOS_SHARE.'
    );
  }
  if (probe.status === 0) {
    return (
      `the chaos flow is on but the API does not answer at ${probe.url} (${probe.error ?? 'no response'}): ` +
      'CHAOS_BASE_URL must reach the API itself, e.g. http://api:8000 on the compose network.'
    );
  }
  if (probe.status !== 200 || !isDelay(parseJson(probe.body), 0)) {
    return `the chaos flow is on but GET ${probe.url} answered ${probe.status} ${probe.body ?? ''}, not 200 {"delayedMs":0}.`;
  }
  return undefined;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** The limit from an IETF draft-7 `RateLimit-Policy: 600;w=60` header, per minute; undefined when absent (limiter off). */
export function rateLimitPerMinute(headers: Record<string, string>): number | undefined {
  const policy = header(headers, 'RateLimit-Policy');
  if (policy === undefined) return undefined;
  const match = /^\s*(\d+)\s*;\s*w=(\d+)/.exec(policy);
  if (match === null) return undefined;
  return (Number(match[1]) * 60) / Number(match[2]);
}

/**
 * k6 is one client to the API (nginx forwards its address; drills come from
 * the same container), and the limiter counts per client and per API
 * process. A run that would exceed it measures 429s, so it is stopped with
 * the setting that fixes it. 80%: the limiter's fixed window lets bursts
 * through at its edges, and our peak is an estimate.
 */
export function rateLimitProblem(headers: Record<string, string>, peakRequestsPerMinute: number): string | undefined {
  const limit = rateLimitPerMinute(headers);
  if (limit === undefined || peakRequestsPerMinute <= 0.8 * limit) return undefined;
  return (
    `the API's rate limiter allows ${limit} requests per minute per client, and this run sends up to ` +
    `${Math.ceil(peakRequestsPerMinute)} from one client (k6): it would measure 429s. For load runs start the ` +
    'stack with API_RATE_LIMIT_MAX=0 (limiter off) or a limit above the peak, e.g. ' +
    '`API_RATE_LIMIT_MAX=0 docker compose up -d --wait`, and restart it without that afterwards.'
  );
}
