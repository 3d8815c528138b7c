import { Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingRules, dashboardExprs, dashboards, expandGrafanaMacros, ruleFiles } from '@observable-todo/test-support/monitoring-files';
import { pollUntil } from '@observable-todo/test-support/poll';
import { GRAFANA_URL, RUNBOOK_BASE_URL } from '@observable-todo/test-support/alert-links';
import { image } from '@observable-todo/test-support/images';
import { docker } from '@observable-todo/test-support/docker';
import { mappedUrl, publishedUrl, startStack, stopStack } from '@observable-todo/test-support/compose-stack';
import { E2E_TIMINGS, generateMonitoringConfigs, withoutTimings, type GeneratedConfigs } from './support/monitoring-configs.js';
import { AlertmanagerClient, PrometheusClient } from '@observable-todo/test-support/prometheus-client';
import { SlackReceiver, type SlackMessage } from './support/slack-receiver.js';
import { Traffic } from './support/traffic.js';

/**
 * The operator drill, end to end: the real API, rules, routing and Slack
 * template, with a Slack stand-in. Only intervals and group timings are
 * shortened (see compose/alerting.override.yaml). The tests in this file run
 * in order and share one stack: each phase starts where the last one ended.
 */

// One target per job, but two for the blackbox exporter (the UI, one API read).
const SCRAPE_TARGETS = ['alertmanager', 'api', 'blackbox', 'blackbox', 'nginx', 'node-exporter', 'postgres-exporter', 'prometheus'];
// The log pipeline's jobs (deploy/compose/logging.yaml): this drill does not
// start Elasticsearch or Fluent Bit; tests/e2e/logging.e2e.test.ts checks them.
const LOGGING_JOBS = new Set(['fluent-bit', 'elasticsearch', 'elasticsearch-health', 'es-failure-store', 'fluent-bit-health']);
const MINUTE = 60_000;

// One webhook per Slack channel, and the dead man's switch: paths on the stand-in.
const RECEIVER = 'http://slack-receiver:8080';
const PAGER_PATH = '/services/T000/B001/pager';
const ALERTS_PATH = '/services/T000/B002/alerts';
const HEARTBEAT_PATH = '/heartbeat/e2e-check';

let configs: GeneratedConfigs;
let stack: StartedDockerComposeEnvironment;
let api: string;
let prometheus: PrometheusClient;
let alertmanager: AlertmanagerClient;
let slack: SlackReceiver;
const traffic: Traffic[] = [];

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Cause-to-Slack timings, printed at the end of the run. */
const timings: string[] = [];
function record(what: string, since: number): void {
  const line = `${what}: ${seconds(since)}`;
  timings.push(line);
  console.log(`[alert timing] ${line}`);
}

async function waitForMessage(titlePrefix: string, options: { after: number; timeoutMs: number }): Promise<SlackMessage> {
  const [message] = await pollUntil(
    async () => (await slack.titled(titlePrefix)).filter((m) => Date.parse(m.receivedAt) >= options.after),
    (found) => found.length > 0,
    { timeoutMs: options.timeoutMs, intervalMs: 1_000, what: `Slack message "${titlePrefix}"` },
  );
  return message!;
}

beforeAll(async () => {
  configs = generateMonitoringConfigs({
    slackPager: `${RECEIVER}${PAGER_PATH}`,
    slackAlerts: `${RECEIVER}${ALERTS_PATH}`,
    heartbeat: `${RECEIVER}${HEARTBEAT_PATH}`,
  });
  stack = await startStack({
    files: ['compose.yaml', 'deploy/compose/debug.yaml', 'tests/e2e/compose/alerting.override.yaml'],
    services: [
      'db',
      'api',
      'frontend',
      'prometheus',
      'alertmanager',
      'node-exporter',
      'postgres-exporter',
      'blackbox-exporter',
      'nginx-exporter',
      'slack-receiver',
    ],
    env: {
      E2E_PROMETHEUS_CONFIG: configs.prometheus,
      E2E_ALERTMANAGER_CONFIG: configs.alertmanager,
      // The overlay lies outside deploy/compose/, so that directory's .env does not reach it.
      NODE_IMAGE: image('NODE_IMAGE'),
      ...configs.webhookFiles,
    },
    // No shell in upstream's image, so no health check: its listener's log line.
    waits: { 'nginx-exporter-1': Wait.forLogMessage(/Listening on/) },
  });
  api = mappedUrl(stack, 'api-1', 8000);
  prometheus = new PrometheusClient(mappedUrl(stack, 'prometheus-1', 9090));
  alertmanager = new AlertmanagerClient(mappedUrl(stack, 'alertmanager-1', 9093));
  slack = new SlackReceiver(mappedUrl(stack, 'slack-receiver-1', 8080));
  // Users keep using the app throughout the drill.
  traffic.push(new Traffic(`${api}/api/todos`, 4).start());
});

afterAll(async () => {
  traffic.forEach((t) => t.stop());
  if (timings.length > 0) console.log(`[alert timing] summary\n  ${timings.join('\n  ')}`);
  await stopStack(stack);
});

describe('the test overlay', () => {
  it('changes only intervals and group timings, never rules, routing, receivers or inhibitions', () => {
    expect(withoutTimings(configs.generated.prometheus)).toEqual(withoutTimings(configs.original.prometheus));
    expect(withoutTimings(configs.generated.alertmanager)).toEqual(withoutTimings(configs.original.alertmanager));
    expect(configs.generated.prometheus.global).toMatchObject({ scrape_interval: E2E_TIMINGS.scrapeInterval });
  });
});

describe('metrics', () => {
  it('scrapes every target: up = 1 for each job', async () => {
    const targets = await pollUntil(
      async () => (await prometheus.targets()).filter((t) => !LOGGING_JOBS.has(t.labels.job ?? '')),
      (all) => all.length === SCRAPE_TARGETS.length && all.every((t) => t.health === 'up'),
      { timeoutMs: MINUTE, what: 'all targets up' },
    );
    expect(targets.map((t) => t.labels.job).sort()).toEqual(SCRAPE_TARGETS);
    const up = (await prometheus.query('up')).filter((s) => !LOGGING_JOBS.has(s.metric.job ?? ''));
    expect(up.map((s) => [s.metric.job, s.value[1]]).sort()).toEqual(SCRAPE_TARGETS.map((job) => [job, '1']));
    // postgres-exporter logged in with the generated password.
    expect((await prometheus.query('pg_up'))[0]?.value[1]).toBe('1');
  });

  it('watches the edge: both blackbox probes pass through nginx, and the exporter reads stub_status on an unpublished port', async () => {
    const probes = await pollUntil(
      async () =>
        (await prometheus.query('probe_success{job="blackbox"}')).map((s) => `${s.metric.probe} ${s.metric.instance} ${s.value[1]}`).sort(),
      (found) => found.length === 2 && found.every((line) => line.endsWith(' 1')),
      { timeoutMs: MINUTE, what: 'both blackbox probes passing' },
    );
    expect(probes).toEqual(['api-read http://frontend:8080/api/todos?limit=1 1', 'ui http://frontend:8080/ 1']);
    expect((await prometheus.query('nginx_up{job="nginx"}'))[0]?.value[1]).toBe('1');
    expect(Number((await prometheus.query('nginx_connections_accepted{job="nginx"}'))[0]?.value[1])).toBeGreaterThan(0);
    // stub_status is for the compose network only: compose publishes 8080 and nothing else.
    const frontend = stack.getContainer('frontend-1').getId();
    await expect(docker('port', frontend, '8081/tcp')).rejects.toThrow();
    expect(await docker('port', frontend, '8080/tcp')).toMatch(/^127\.0\.0\.1:\d+/);
  });

  it('records API traffic per route: counters and histograms', async () => {
    const created = await fetch(`${api}/api/todos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'observed' }),
    });
    expect(created.status).toBe(201);
    await fetch(`${api}/api/todos/999999`);
    const routes = await pollUntil(
      async () =>
        (await prometheus.query('sum by (route, status_code) (http_requests_total{job="api"})')).map(
          (s) => `${s.metric.route} ${s.metric.status_code}`,
        ),
      (seen) => ['/api/todos 200', '/api/todos 201', '/api/todos/:id 404'].every((r) => seen.includes(r)),
      { timeoutMs: 30_000, what: 'request counters per route in Prometheus' },
    );
    expect(routes).not.toContainEqual(expect.stringContaining('999999'));
    const buckets = await prometheus.query('http_request_duration_seconds_bucket{job="api", route="/api/todos", method="GET", le="0.1"}');
    expect(buckets.length).toBeGreaterThan(0);
    const created1 = await prometheus.query('todo_tasks_created_total{job="api"}');
    expect(Number(created1[0]?.value[1])).toBeGreaterThanOrEqual(1);
  });
});

describe('alerts to Slack', () => {
  it('HighErrorRate: 5xx traffic pages #todo-pager with the live numbers, and recovery sends RESOLVED', async () => {
    const start = Date.now();
    const errors = new Traffic(`${api}/api/simulate-error`, 2).start();
    traffic.push(errors);

    const firing = await waitForMessage('[FIRING:1] HighErrorRate', { after: start, timeoutMs: 4 * MINUTE });
    record('HighErrorRate: first 5xx to FIRING in Slack', start);
    const attachment = firing.payload.attachments[0]!;
    expect(firing.path).toBe(PAGER_PATH);
    expect(attachment.title).toBe('[FIRING:1] HighErrorRate · todo-api');
    expect(attachment.color).toBe('danger');
    expect(attachment.text).toContain('*Severity:* critical');
    expect(attachment.text).toContain('*Service:* todo-api');
    expect(attachment.text).toMatch(/\d+(\.\d+)?% of todo-api requests failed with a 5xx status/);
    expect(attachment.text).toMatch(/: \d+\.\d\d of \d+\.\d\d requests per second/);
    expect(attachment.text).toContain(`${RUNBOOK_BASE_URL}/HighErrorRate.md`);
    expect(attachment.text).toContain('/graph?g0.expr=');
    expect(attachment.text).toContain('/#/silences/new?filter=');
    expect(attachment.text).toContain(`${GRAFANA_URL}/d/todo-api-overview`);

    errors.stop();
    const stoppedAt = Date.now();
    const resolved = await waitForMessage('[RESOLVED] HighErrorRate', { after: stoppedAt, timeoutMs: 5 * MINUTE });
    record('HighErrorRate: last 5xx to RESOLVED in Slack', stoppedAt);
    expect(resolved.path).toBe(PAGER_PATH);
    expect(resolved.payload.attachments[0]!.color).toBe('good');
  });

  it("Slack down: AlertmanagerNotificationsFailing fires, ApiDown inhibits HighErrorRate, Alertmanager's retries deliver all", async () => {
    // Errors again, until HighErrorRate fires; Slack is failing by then, so that page waits.
    await slack.setOutage(500);
    const outageStart = Date.now();
    const errors = new Traffic(`${api}/api/simulate-error`, 2).start();
    traffic.push(errors);
    await pollUntil(
      () => prometheus.alertState('HighErrorRate'),
      (state) => state === 'firing',
      {
        timeoutMs: 4 * MINUTE,
        intervalMs: 1_000,
        what: 'HighErrorRate firing again',
      },
    );
    errors.stop();

    // The API goes away while its error-rate alert is still firing.
    const apiContainer = stack.getContainer('api-1').getId();
    await docker('stop', apiContainer);
    const apiStopped = Date.now();
    await pollUntil(
      () => prometheus.alertState('ApiDown'),
      (state) => state === 'firing',
      {
        timeoutMs: 3 * MINUTE,
        intervalMs: 1_000,
        what: 'ApiDown firing',
      },
    );
    record('ApiDown: API stopped to firing in Prometheus', apiStopped);

    const inhibited = await pollUntil(
      () => alertmanager.alerts('HighErrorRate'),
      (alerts) => alerts.some((a) => a.status.state === 'suppressed' && a.status.inhibitedBy.length > 0),
      { timeoutMs: MINUTE, what: 'HighErrorRate inhibited by ApiDown in Alertmanager' },
    );
    const apiDown = await alertmanager.alerts('ApiDown');
    expect(apiDown).toHaveLength(1);
    expect(apiDown[0]!.status.state).toBe('active');
    // Inhibited by ApiDown itself, not by some other alert.
    expect(inhibited.find((a) => a.status.state === 'suppressed')!.status.inhibitedBy).toContain(apiDown[0]!.fingerprint);

    await pollUntil(
      () => prometheus.alertState('AlertmanagerNotificationsFailing'),
      (state) => state === 'firing',
      {
        timeoutMs: 5 * MINUTE,
        intervalMs: 2_000,
        what: 'AlertmanagerNotificationsFailing firing during the Slack outage',
      },
    );
    record('AlertmanagerNotificationsFailing: Slack outage to firing in Prometheus', outageStart);
    expect((await slack.received()).refusedCalls).toBeGreaterThan(0);

    // Slack is back: Alertmanager's retries deliver what was held back.
    await slack.setOutage(0);
    const slackBack = Date.now();
    const apiDownMessage = await waitForMessage('[FIRING:1] ApiDown', { after: outageStart, timeoutMs: 2 * MINUTE });
    record('ApiDown: Slack back to FIRING delivered', slackBack);
    record('ApiDown: API stopped to FIRING in Slack (including the outage)', apiStopped);
    expect(apiDownMessage.path).toBe(PAGER_PATH);
    expect(apiDownMessage.payload.attachments[0]!.text).toContain('docs/runbooks/ApiDown.md');
    const failingMessage = await waitForMessage('[FIRING:1] AlertmanagerNotificationsFailing', {
      after: outageStart,
      timeoutMs: 2 * MINUTE,
    });
    expect(failingMessage.path).toBe(ALERTS_PATH);
    expect(failingMessage.payload.attachments[0]!.color).toBe('warning');

    // Inhibited: no HighErrorRate notification of any kind since the API stopped.
    const errorRateSinceStop = (await slack.titled('[')).filter(
      (m) => m.payload.attachments[0]!.title.includes('HighErrorRate') && Date.parse(m.receivedAt) >= apiStopped,
    );
    expect(errorRateSinceStop).toEqual([]);

    await docker('start', apiContainer);
    const apiStarted = Date.now();
    // A new ephemeral host port after the restart: users come back through it.
    api = await publishedUrl(apiContainer, 8000);
    traffic.forEach((t) => t.stop());
    traffic.push(new Traffic(`${api}/api/todos`, 4).start());
    const resolved = await waitForMessage('[RESOLVED] ApiDown', { after: apiStarted, timeoutMs: 3 * MINUTE });
    record('ApiDown: API started to RESOLVED in Slack', apiStarted);
    expect(resolved.payload.attachments[0]!.color).toBe('good');
  });

  it('EdgeDown: nginx stopped while the API is up pages #todo-pager through the pager webhook, and resolves when it is back', async () => {
    await pollUntil(
      () =>
        fetch(`${api}/health/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      {
        timeoutMs: MINUTE,
        what: 'API ready before the edge drill',
      },
    );
    const frontend = stack.getContainer('frontend-1').getId();
    await docker('stop', frontend);
    const stopped = Date.now();
    const firing = await waitForMessage('[FIRING:1] EdgeDown', { after: stopped, timeoutMs: 3 * MINUTE });
    record('EdgeDown: nginx stopped to FIRING in Slack', stopped);
    expect(firing.path).toBe(PAGER_PATH);
    const attachment = firing.payload.attachments[0]!;
    expect(attachment.title).toBe('[FIRING:1] EdgeDown · todo-edge');
    expect(attachment.color).toBe('danger');
    expect(attachment.text).toContain('The blackbox probe of http://frontend:8080/ has failed');
    expect(attachment.text).toContain('docs/runbooks/EdgeDown.md');
    // The API read through nginx fails too, but EdgeErrors waits longer and EdgeDown inhibits it.
    expect((await slack.titled('[FIRING')).filter((m) => m.payload.attachments[0]!.title.includes('EdgeErrors'))).toEqual([]);

    await docker('start', frontend);
    const started = Date.now();
    const resolved = await waitForMessage('[RESOLVED] EdgeDown', { after: started, timeoutMs: 3 * MINUTE });
    record('EdgeDown: nginx started to RESOLVED in Slack', started);
    expect(resolved.path).toBe(PAGER_PATH);
    expect(resolved.payload.attachments[0]!.color).toBe('good');
    expect(await prometheus.alertState('EdgeDown')).not.toBe('firing');
  });

  it("Watchdog: the heartbeat reaches the dead man's switch webhook, never Slack", async () => {
    // Checked after the drill rather than first: Prometheus' first send of the Watchdog can
    // predate Alertmanager's start, and it resends only a minute later.
    const pings = await pollUntil(
      async () => (await slack.received()).heartbeats,
      (found) => found.length > 0,
      {
        timeoutMs: 2 * MINUTE,
        what: 'a Watchdog ping on the heartbeat webhook',
      },
    );
    expect(pings[0]!.path).toBe(HEARTBEAT_PATH);
    expect(pings[0]!.payload.receiver).toBe('heartbeat');
    expect(pings[0]!.payload.status).toBe('firing');
    expect(pings[0]!.payload.alerts.map((a) => a.labels.alertname)).toEqual(['Watchdog']);
    // The link bases are Prometheus' external labels: expanded into the annotation, dropped from the labels.
    const watchdog = pings[0]!.payload.alerts[0]! as { labels: Record<string, string>; annotations?: Record<string, string> };
    expect(watchdog.annotations?.runbook_url).toBe(`${RUNBOOK_BASE_URL}/Watchdog.md`);
    for (const label of ['runbook_base_url', 'grafana_url']) expect(Object.keys(watchdog.labels)).not.toContain(label);
    expect((await slack.titled('[')).filter((m) => m.payload.attachments[0]!.title.includes('Watchdog'))).toEqual([]);
    // Repeated every minute (repeat_interval 1m, kept in the e2e copy): a dead man's
    // switch with a 1-minute period and some grace never misses one. The drill lasts
    // several minutes, so there are several, none more than 90 s after the last.
    expect(pings.length).toBeGreaterThanOrEqual(3);
    const gaps = pings.slice(1).map((ping, i) => (Date.parse(ping.receivedAt) - Date.parse(pings[i]!.receivedAt)) / 1000);
    expect(Math.max(...gaps)).toBeLessThan(90);
  });

  it('sent every page through the pager webhook and everything else through the alerts webhook', async () => {
    const { messages } = await slack.received();
    expect(messages.length).toBeGreaterThan(0);
    const misrouted = messages
      .map((m) => ({
        path: m.path,
        title: m.payload.attachments[0]!.title,
        critical: m.payload.attachments[0]!.text.includes('*Severity:* critical'),
      }))
      .filter((m) => m.path !== (m.critical ? PAGER_PATH : ALERTS_PATH));
    expect(misrouted).toEqual([]);
    expect(messages.some((m) => m.path === ALERTS_PATH)).toBe(true);
  });
});

describe('queries of every rule and dashboard panel against the live Prometheus', () => {
  async function queryFailures(): Promise<string[]> {
    const failures: string[] = [];
    const recordings = ruleFiles().flatMap((file) => file.groups.flatMap((group) => group.rules.filter((rule) => rule.record)));
    for (const rule of recordings) {
      const result = await prometheus.query(rule.record!);
      if (result.length === 0) failures.push(`recording rule ${rule.record} has no data`);
    }
    for (const rule of alertingRules()) {
      await prometheus.query(rule.expr).catch((error: Error) => failures.push(`alert ${rule.alert}: ${error.message}`));
    }
    for (const dashboard of dashboards()) {
      for (const expr of dashboardExprs(dashboard.json)) {
        const result = await prometheus.query(expandGrafanaMacros(expr)).catch((error: Error) => {
          failures.push(`${dashboard.file}: ${expr}: ${error.message}`);
          return undefined;
        });
        // k6's series (k6_*) exist only while a load test writes them by remote
        // write, and this stack runs none: those queries must parse, not return data.
        if (result?.length === 0 && !/\bk6_/.test(expr)) failures.push(`${dashboard.file}: ${expr}: no data`);
      }
    }
    return failures;
  }

  it('every recording rule and dashboard query returns data after traffic; every alert expression evaluates', async () => {
    // The API restarted at the end of the drill: its counters begin again, and
    // rate() needs two scrapes of the new process. Every business event once more:
    await pollUntil(
      () => fetch(`${api}/health/ready`).then((r) => r.status),
      (status) => status === 200,
      {
        timeoutMs: MINUTE,
        what: 'API ready after its restart',
      },
    );
    const created = (await (
      await fetch(`${api}/api/todos`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'after the drill', completed: true }),
      })
    ).json()) as { id: number };
    expect((await fetch(`${api}/api/todos/${created.id}`, { method: 'DELETE' })).status).toBe(204);

    // Poll with a retry budget, then assert: an exact, empty list of failures.
    const failures = await pollUntil(queryFailures, (found) => found.length === 0, {
      timeoutMs: MINUTE,
      intervalMs: 2_000,
      what: 'every rule and panel query answering with data',
    }).catch(() => queryFailures());
    expect(failures).toEqual([]);
  });
});
