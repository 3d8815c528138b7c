import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import path from 'node:path';
import { ALERTMANAGER_IMAGE, monitoringDir } from '@observable-todo/test-support/repo';

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
    expect(result.output).toContain('- 1 templates');
    expect(result.exitCode).toBe(0);
  });

  // Each route, and the fallback, with the receiver it must reach.
  const routes: [string, string[], string][] = [
    ['a critical API alert pages', ['alertname=ApiDown', 'severity=critical', 'service=todo-api'], 'slack-critical'],
    ['a burn-rate page pages', ['alertname=ApiErrorBudgetBurn', 'severity=critical', 'service=todo-api'], 'slack-critical'],
    ['a burn-rate ticket goes to #todo-alerts', ['alertname=ApiErrorBudgetBurn', 'severity=warning', 'service=todo-api'], 'slack-warning'],
    ['a host warning goes to #todo-alerts', ['alertname=HostLowDisk', 'severity=warning', 'service=host'], 'slack-warning'],
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
    const result = await amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, '--verify.receivers=heartbeat', 'alertname=ApiDown', 'severity=critical');
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

  const start = (webhook?: string) => {
    let container = new GenericContainer(ALERTMANAGER_IMAGE)
      .withEntrypoint(['/bin/sh', `${CONFIG_DIR}/docker-entrypoint.sh`])
      .withCommand([`--config.file=${CONFIG}`, '--storage.path=/alertmanager', '--cluster.listen-address='])
      .withCopyDirectoriesToContainer([{ source, target: CONFIG_DIR }])
      .withExposedPorts(9093)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9093));
    if (webhook !== undefined) {
      container = container.withCopyContentToContainer([
        { content: `${webhook}\n`, target: '/run/secrets/slack_webhook_url', mode: 0o644 },
      ]);
    }
    return container.start();
  };

  beforeAll(async () => {
    [unconfigured, configured] = await Promise.all([start(), start('http://slack.invalid/hook')]);
  });
  afterAll(async () => {
    await Promise.all([unconfigured?.stop(), configured?.stop()]);
  });

  it('starts without a Slack webhook, and says so', async () => {
    expect(await readLogs(unconfigured)).toContain('WARNING: no Slack webhook configured');
  });

  it('reports a configured webhook without printing it', async () => {
    const logs = await readLogs(configured);
    expect(logs).toContain('Slack webhook configured');
    expect(logs).not.toContain('slack.invalid');
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
      ]),
    });
    expect(posted.status).toBe(200);

    const state = async () => {
      const alerts = (await (await fetch(base)).json()) as ApiAlert[];
      return Object.fromEntries(
        alerts.map((a) => [`${a.labels.alertname}/${a.labels.severity}`, a.status.state] as const),
      );
    };
    await expect
      .poll(state, { timeout: 15_000, interval: 500 })
      .toEqual({
        'ApiDown/critical': 'active',
        'HighErrorRate/critical': 'suppressed', // ApiDown, same service
        'HighLatencyP95/warning': 'suppressed', // ApiDown, same service
        'ApiErrorBudgetBurn/critical': 'active',
        'ApiErrorBudgetBurn/warning': 'suppressed', // the page of the same alert
        'DatabaseDown/critical': 'active', // todo-db: nothing to inhibit on todo-api
        'HostLowDisk/warning': 'active', // no critical HostLowDisk
      });
  });
});
