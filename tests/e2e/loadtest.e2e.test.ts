// The k6 load tests (loadtest/, deploy/compose/loadtest.yaml) against the real
// stack. The smoke run needs the grafana/k6 image; where it cannot be had the
// suite says so and skips that part. The remote-write receiver it writes to is
// checked either way.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosProblem, rateLimitPerMinute, stackProblem, type Probe } from '@observable-todo/loadtest/preflight';
import { image } from '@observable-todo/test-support/images';
import { repoRoot } from '@observable-todo/test-support/repo';
import { pollUntil } from '@observable-todo/test-support/poll';
import { docker } from '@observable-todo/test-support/docker';
import { dockerEnv } from '@observable-todo/test-support/docker-env';
import { mappedUrl, startStack, stopStack } from '@observable-todo/test-support/compose-stack';
import { imageAvailability } from '@observable-todo/test-support/image-availability';
import { PrometheusClient } from '@observable-todo/test-support/prometheus-client';

const K6_IMAGE = image('K6_IMAGE');
const availability = await imageAvailability(K6_IMAGE);
if (!availability.ok) console.warn(`[skipped] k6 smoke run: ${availability.reason}`);

const execFileAsync = promisify(execFile);

describe('load testing on the compose stack', () => {
  let stack: StartedDockerComposeEnvironment;
  let prometheusUrl: string;
  let api: string;
  let frontend: string;
  let resultsDir: string;

  beforeAll(async () => {
    // The debug override publishes the API's own port, where the chaos flow's checks go.
    stack = await startStack({ files: ['compose.yaml', 'deploy/compose/debug.yaml'], services: ['api', 'frontend', 'prometheus'] });
    prometheusUrl = mappedUrl(stack, 'prometheus-1', 9090);
    api = mappedUrl(stack, 'api-1', 8000);
    frontend = mappedUrl(stack, 'frontend-1', 8080);
    resultsDir = mkdtempSync(join(tmpdir(), 'todo-k6-'));
    // k6 runs as this process's uid (as loadtest/run.sh does); open for the image's own user otherwise.
    chmodSync(resultsDir, 0o777);
  });

  afterAll(async () => {
    await stopStack(stack);
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  it('Prometheus accepts remote write, where k6 sends its results (a disabled receiver answers 404)', async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/write`, { method: 'POST', body: '' });
    // Enabled: the request reaches the receiver, which refuses an empty, untyped body.
    expect(response.status).toBe(415);
  });

  it('the compose files with the loadtest profile pass `docker compose config`, k6 on the stack network', async () => {
    const { stdout } = await execFileAsync(
      'docker',
      ['compose', '-f', 'compose.yaml', '--profile', 'loadtest', 'config', '--format', 'json'],
      {
        cwd: repoRoot,
        env: dockerEnv({ K6_RESULTS_DIR: resultsDir }),
      },
    );
    const config = JSON.parse(stdout) as { services: Record<string, { networks?: Record<string, unknown>; image?: string }> };
    expect(config.services.k6?.image).toBe(K6_IMAGE);
    expect(Object.keys(config.services.k6?.networks ?? {})).toEqual(Object.keys(config.services.api?.networks ?? {}));
  });

  // setup()'s checks, on the answers the real stack gives (fetched here, judged by the same functions).
  async function probe(url: string): Promise<Probe> {
    const response = await fetch(url);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { url, status: response.status, body: await response.text(), headers };
  }

  it("setup()'s checks pass on the running stack and read the API's rate limit through nginx", async () => {
    const list = await probe(`${frontend}/api/todos?limit=20`);
    expect(stackProblem(list)).toBeUndefined();
    // The compose default (API_RATE_LIMIT_MAX 600): what setup() compares a run's peak with.
    expect(rateLimitPerMinute(list.headers)).toBe(600);
    expect(chaosProblem(await probe(`${api}/api/simulate-latency?ms=0`))).toBeUndefined();
  });

  it("setup()'s checks refuse drills sent through the public nginx, which does not serve them", async () => {
    expect(chaosProblem(await probe(`${frontend}/api/simulate-latency?ms=0`))).toMatch(
      /answered 404: .*CHAOS_BASE_URL is the public nginx/,
    );
  });

  it.skipIf(!availability.ok)(
    `the smoke shape passes its thresholds against the stack, leaves no todo behind, and its k6_ series reach Prometheus (${K6_IMAGE})`,
    async () => {
      const container = stack.getContainer('api-1').getId();
      const project = (await docker('inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', container)).trim();
      const run = await execFileAsync(
        'docker',
        [
          'compose',
          '-p',
          project,
          '-f',
          'compose.yaml',
          '--profile',
          'loadtest',
          'run',
          '--rm',
          '--no-deps',
          'k6',
          'run',
          '/scripts/smoke.ts',
        ],
        {
          cwd: repoRoot,
          // Only these and what the docker CLI needs: Vitest's process.env holds BASE_URL=/ (Vite's),
          // which compose would hand to k6 as its target (packages/test-support/src/docker-env.ts).
          env: dockerEnv({
            K6_UID: String(process.getuid?.() ?? 12345),
            K6_GID: String(process.getgid?.() ?? 12345),
            K6_RESULTS_DIR: resultsDir,
            THINK_TIME_SECONDS: '0.1',
          }),
          maxBuffer: 32 * 1024 * 1024,
        },
      ).catch((error: { code: number; stdout: string; stderr: string }) => error);
      const output = `${run.stdout}\n${run.stderr}`;
      expect('code' in run ? run.code : 0, output).toBe(0);

      const summary = JSON.parse(readFileSync(join(resultsDir, 'smoke-summary.json'), 'utf8')) as {
        passed: boolean;
        thresholds: { metric: string; ok: boolean }[];
        totals: { requests: number; iterations: number };
      };
      expect(summary.passed, output).toBe(true);
      expect(summary.thresholds.length).toBeGreaterThan(0);
      expect(summary.totals.iterations).toBe(6);
      expect(summary.totals.requests).toBeGreaterThanOrEqual(6 * 5);
      expect(readFileSync(join(resultsDir, 'smoke-summary.txt'), 'utf8')).toMatch(/^k6 smoke: PASSED/);

      // Every todo the run created was deleted by it.
      const left = (await (await fetch(`${api}/api/todos?limit=100`)).json()) as { items: { title: string }[] };
      expect(left.items.filter((t) => t.title.startsWith('k6 '))).toEqual([]);

      const prometheus = new PrometheusClient(prometheusUrl);
      const series = await pollUntil(
        // Over a range: k6 marks its series stale when the run ends, so an instant query finds none.
        () => prometheus.query('sum by (name) (last_over_time(k6_http_reqs_total{shape="smoke", flow="user"}[10m]))'),
        (result) => result.length === 2,
        { timeoutMs: 30_000, intervalMs: 1_000, what: 'k6_http_reqs_total per endpoint in Prometheus' },
      );
      expect(series.map((s) => s.metric.name).sort()).toEqual(['/api/todos', '/api/todos/:id']);
      expect(await prometheus.query('last_over_time(k6_http_req_duration_p95{shape="smoke"}[10m])')).not.toEqual([]);
    },
  );
});
