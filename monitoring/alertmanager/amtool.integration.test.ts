import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import path from 'node:path';
import { image } from '@observable-todo/test-support/images';
import { monitoringDir } from '@observable-todo/test-support/monitoring-files';

const ALERTMANAGER_IMAGE = image('ALERTMANAGER_IMAGE');

// amtool and Alertmanager from the image the stack runs, on the repository's
// files, copied to where compose mounts them.
const CONFIG_DIR = '/etc/alertmanager';
const CONFIG = `${CONFIG_DIR}/alertmanager.yml`;
const source = path.join(monitoringDir, 'alertmanager');

describe('amtool', () => {
  let toolbox: StartedTestContainer;

  beforeAll(async () => {
    toolbox = await new GenericContainer(ALERTMANAGER_IMAGE)
      .withEntrypoint(['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'])
      .withCommand([])
      .withCopyDirectoriesToContainer([{ source, target: CONFIG_DIR }])
      .start();
  });
  afterAll(async () => {
    await toolbox?.stop();
  });

  const amtool = (...args: string[]) => toolbox.exec(['/bin/amtool', ...args]);

  it('accepts alertmanager.yml and its template', async () => {
    const result = await amtool('check-config', CONFIG);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).toContain('- 3 receivers');
    expect(result.output).toContain('- 6 inhibit rules');
    expect(result.output).toContain('- 1 templates');
    expect(result.exitCode).toBe(0);
  });

  // Each route, and the fallback, with the receiver it must reach.
  const routes: [string, string[], string][] = [
    ['a critical API alert pages', ['alertname=ApiDown', 'severity=critical', 'service=todo-api'], 'slack-critical'],
    ['a burn-rate page pages', ['alertname=ApiErrorBudgetBurn', 'severity=critical', 'service=todo-api'], 'slack-critical'],
    ['a burn-rate ticket goes to #todo-alerts', ['alertname=ApiErrorBudgetBurn', 'severity=warning', 'service=todo-api'], 'slack-warning'],
    ['a host warning goes to #todo-alerts', ['alertname=HostLowDisk', 'severity=warning', 'service=host'], 'slack-warning'],
    ['an edge page pages', ['alertname=EdgeDown', 'severity=critical', 'service=todo-edge'], 'slack-critical'],
    ['a rule-evaluation failure pages', ['alertname=PrometheusRuleFailures', 'severity=critical', 'service=prometheus'], 'slack-critical'],
    [
      'a failed config reload goes to #todo-alerts',
      ['alertname=AlertmanagerFailedReload', 'severity=warning', 'service=alertmanager'],
      'slack-warning',
    ],
    ['the Watchdog goes to the heartbeat', ['alertname=Watchdog', 'severity=none'], 'heartbeat'],
    ['the Watchdog wins over its severity', ['alertname=Watchdog', 'severity=critical'], 'heartbeat'],
    ['anything else falls back to #todo-alerts', ['alertname=Something', 'severity=info'], 'slack-warning'],
  ];

  it.each(routes)('%s', async (_name, labels, receiver) => {
    const result = await amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${receiver}`, ...labels);
    expect(result.stdout.trim()).toBe(receiver);
    expect(result.exitCode).toBe(0);
  });

  it('fails a route test that expects the wrong receiver (the tests can fail)', async () => {
    const result = await amtool(
      'config',
      'routes',
      'test',
      `--config.file=${CONFIG}`,
      '--verify.receivers=heartbeat',
      'alertname=ApiDown',
      'severity=critical',
    );
    expect(result.exitCode).not.toBe(0);
  });

  const render = (text: string) =>
    amtool('template', 'render', `--template.glob=${CONFIG_DIR}/templates/*.tmpl`, `--template.text=${text}`);

  it('renders the Slack templates on example data', async () => {
    const title = await render('{{ template "slack.todo.title" . }}');
    expect(title.exitCode).toBe(0);
    expect(title.stdout).toMatch(/^\[[A-Z]+(:\d+)?\] /);
    const text = await render('{{ template "slack.todo.text" . }}');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('|:no_bell: Silence>');
    expect(text.stdout).toContain('/#/silences/new?filter=%7B');
    const color = await render('{{ template "slack.todo.color" . }}');
    expect(['danger', 'warning', 'good']).toContain(color.stdout.trim());
  });
});

async function readLogs(container: StartedTestContainer): Promise<string> {
  const stream = await container.logs();
  let text = '';
  stream.on('data', (chunk: Buffer | string) => (text += chunk.toString()));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  stream.destroy();
  return text;
}

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

describe('Alertmanager through docker-entrypoint.sh', () => {
  let unconfigured: StartedTestContainer;
  let configured: StartedTestContainer;

  // Secret files as compose mounts them; none at all is the unconfigured case.
  const SECRETS = {
    pager: '/run/secrets/slack_pager_webhook_url',
    alerts: '/run/secrets/slack_alerts_webhook_url',
    heartbeat: '/run/secrets/heartbeat_webhook_url',
  };
  const start = (webhooks?: Record<keyof typeof SECRETS, string>) => {
    let container = new GenericContainer(ALERTMANAGER_IMAGE)
      .withEntrypoint(['/bin/sh', `${CONFIG_DIR}/docker-entrypoint.sh`])
      .withCommand([`--config.file=${CONFIG}`, '--storage.path=/alertmanager', '--cluster.listen-address='])
      .withCopyDirectoriesToContainer([{ source, target: CONFIG_DIR }])
      .withExposedPorts(9093)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9093));
    if (webhooks !== undefined) {
      container = container.withCopyContentToContainer(
        (Object.keys(SECRETS) as (keyof typeof SECRETS)[]).map((key) => ({
          content: `${webhooks[key]}\n`,
          target: SECRETS[key],
          mode: 0o644,
        })),
      );
    }
    return container.start();
  };
  const url = (container: StartedTestContainer, path: string) => `http://${container.getHost()}:${container.getMappedPort(9093)}${path}`;

  /** alertmanager_notifications_total / _failed_total of one integration, from /metrics. */
  const notifications = async (container: StartedTestContainer, integration: string) => {
    const text = await (await fetch(url(container, '/metrics'))).text();
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && line.includes(`integration="${integration}"`))
        .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
    return { sent: sum('alertmanager_notifications_total'), failed: sum('alertmanager_notifications_failed_total') };
  };

  const postWatchdog = (container: StartedTestContainer) =>
    fetch(url(container, '/api/v2/alerts'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: {}, startsAt: new Date().toISOString() }]),
    });

  beforeAll(async () => {
    [unconfigured, configured] = await Promise.all([
      start(),
      // Port 9 (discard) on the loopback: nothing listens, so each send is attempted and refused.
      start({ pager: 'http://slack.invalid/pager', alerts: 'http://slack.invalid/alerts', heartbeat: 'http://127.0.0.1:9/heartbeat' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([unconfigured?.stop(), configured?.stop()]);
  });

  it('starts without any webhook, and names each receiver that is not configured', async () => {
    const logs = await readLogs(unconfigured);
    expect(logs).toContain(`WARNING: slack-critical (#todo-pager): no webhook (${SECRETS.pager} is empty, missing or not a URL)`);
    expect(logs).toContain('set SLACK_PAGER_WEBHOOK_URL_FILE');
    expect(logs).toContain(`WARNING: slack-warning (#todo-alerts): no webhook (${SECRETS.alerts} is empty, missing or not a URL)`);
    expect(logs).toContain('set SLACK_ALERTS_WEBHOOK_URL_FILE');
    expect(logs).toContain(`heartbeat: off (${SECRETS.heartbeat} is empty, missing or not a URL)`);
  });

  it('reports configured webhooks without printing them', async () => {
    const logs = await readLogs(configured);
    expect(logs).toContain(`slack-critical (#todo-pager): webhook configured (${SECRETS.pager})`);
    expect(logs).toContain(`slack-warning (#todo-alerts): webhook configured (${SECRETS.alerts})`);
    expect(logs).toContain(`heartbeat: webhook configured (${SECRETS.heartbeat})`);
    expect(logs).not.toContain('slack.invalid');
    expect(logs).not.toContain('127.0.0.1:9');
  });

  it('with the heartbeat off, holds the Watchdog without a failing send every minute', async () => {
    expect((await postWatchdog(unconfigured)).status).toBe(200);
    await expect
      .poll(
        async () =>
          ((await (await fetch(url(unconfigured, '/api/v2/alerts?filter=alertname%3D%22Watchdog%22'))).json()) as ApiAlert[]).length,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    // The heartbeat route waits 0s: a configured webhook is called at once (see the next test).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await notifications(unconfigured, 'webhook')).toEqual({ sent: 0, failed: 0 });
    const status = (await (await fetch(url(unconfigured, '/api/v2/status'))).json()) as { config: { original: string } };
    expect(status.config.original).not.toContain('heartbeat_webhook_url');
    expect(status.config.original).toContain('slack_pager_webhook_url');
  });

  it('with the heartbeat on, sends the Watchdog to its webhook at once', async () => {
    expect((await postWatchdog(configured)).status).toBe(200);
    await expect.poll(async () => (await notifications(configured, 'webhook')).sent, { timeout: 15_000, interval: 500 }).toBeGreaterThan(0);
    expect(await notifications(configured, 'slack')).toEqual({ sent: 0, failed: 0 });
  });

  it('applies the inhibition rules', async () => {
    const base = `http://${unconfigured.getHost()}:${unconfigured.getMappedPort(9093)}/api/v2/alerts`;
    const alert = (labels: Record<string, string>) => ({ labels, annotations: {}, startsAt: new Date().toISOString() });
    const posted = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert({ alertname: 'ApiDown', severity: 'critical', service: 'todo-api' }),
        alert({ alertname: 'HighErrorRate', severity: 'critical', service: 'todo-api' }),
        alert({ alertname: 'HighLatencyP95', severity: 'warning', service: 'todo-api', route: '/api/todos' }),
        alert({ alertname: 'ApiErrorBudgetBurn', severity: 'critical', service: 'todo-api', long_window: '1h' }),
        alert({ alertname: 'ApiErrorBudgetBurn', severity: 'warning', service: 'todo-api', long_window: '1d' }),
        alert({ alertname: 'DatabaseDown', severity: 'critical', service: 'todo-db' }),
        alert({ alertname: 'HostLowDisk', severity: 'warning', service: 'host' }),
        alert({ alertname: 'EdgeDown', severity: 'critical', service: 'todo-edge', probe: 'ui' }),
        alert({ alertname: 'EdgeErrors', severity: 'critical', service: 'todo-edge', probe: 'api-read' }),
        alert({ alertname: 'ElasticsearchDownOrRed', severity: 'warning', service: 'elasticsearch' }),
        alert({ alertname: 'LogShippingRetriesFailing', severity: 'warning', service: 'fluent-bit', name: 'elasticsearch' }),
        alert({ alertname: 'LogShippingStalled', severity: 'warning', service: 'fluent-bit' }),
        alert({ alertname: 'LogBufferNearlyFull', severity: 'warning', service: 'fluent-bit', name: 'elasticsearch' }),
      ]),
    });
    expect(posted.status).toBe(200);

    const state = async () => {
      const alerts = (await (await fetch(base)).json()) as ApiAlert[];
      return Object.fromEntries(
        alerts
          .filter((a) => a.labels.alertname !== 'Watchdog') // the heartbeat test's
          .map((a) => [`${a.labels.alertname}/${a.labels.severity}`, a.status.state] as const),
      );
    };
    await expect.poll(state, { timeout: 15_000, interval: 500 }).toEqual({
      'ApiDown/critical': 'active',
      'HighErrorRate/critical': 'suppressed', // ApiDown, same service
      'HighLatencyP95/warning': 'suppressed', // ApiDown, same service
      'ApiErrorBudgetBurn/critical': 'active',
      'ApiErrorBudgetBurn/warning': 'suppressed', // the page of the same alert
      'DatabaseDown/critical': 'active', // todo-db: nothing to inhibit on todo-api
      'HostLowDisk/warning': 'active', // no critical HostLowDisk
      'EdgeDown/critical': 'active',
      'EdgeErrors/critical': 'suppressed', // EdgeDown: nginx is gone altogether
      'ElasticsearchDownOrRed/warning': 'active',
      'LogShippingRetriesFailing/warning': 'suppressed', // Elasticsearch is down: retrying is the consequence
      'LogShippingStalled/warning': 'suppressed', // and so is shipping nothing
      'LogBufferNearlyFull/warning': 'active', // data loss ahead: stays
    });
  });

  it('pages a stuck migration once: DatabaseSchemaPending silences ApiNotReady of the same service, not of another', async () => {
    const base = `http://${unconfigured.getHost()}:${unconfigured.getMappedPort(9093)}/api/v2/alerts`;
    // Services of their own: the previous test's ApiDown (todo-api) would silence ApiNotReady by itself.
    const alert = (labels: Record<string, string>) => ({
      labels: { severity: 'critical', ...labels },
      annotations: {},
      startsAt: new Date().toISOString(),
    });
    const posted = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert({ alertname: 'DatabaseSchemaPending', service: 'schema-test' }),
        alert({ alertname: 'ApiNotReady', service: 'schema-test' }),
        alert({ alertname: 'ApiNotReady', service: 'schema-control' }),
      ]),
    });
    expect(posted.status).toBe(200);
    const state = async () => {
      const alerts = (await (await fetch(base)).json()) as ApiAlert[];
      return Object.fromEntries(
        alerts
          .filter((a) => a.labels.service?.startsWith('schema-'))
          .map((a) => [`${a.labels.alertname}/${a.labels.service}`, a.status.state] as const),
      );
    };
    await expect.poll(state, { timeout: 15_000, interval: 500 }).toEqual({
      'DatabaseSchemaPending/schema-test': 'active',
      'ApiNotReady/schema-test': 'suppressed', // the schema is the cause, and its alert names it
      'ApiNotReady/schema-control': 'active',
    });
  });
});
