import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import path from 'node:path';
import { RUNBOOK_BASE_URL } from '@observable-todo/test-support/alert-links';
import { image } from '@observable-todo/test-support/images';
import { pollUntil } from '@observable-todo/test-support/poll';
import {
  alertingRules,
  dashboardExprs,
  dashboards,
  monitoringDir,
  ruleFiles,
  ruleTestsDir,
  expandGrafanaMacros,
} from '@observable-todo/test-support/monitoring-files';
import { listFiles } from '@observable-todo/test-support/repo';

const PROMETHEUS_IMAGE = image('PROMETHEUS_IMAGE');

// promtool from the Prometheus image the stack runs, on the repository's files,
// copied to where compose mounts them.
const CONFIG_DIR = '/etc/prometheus';

// An idle shell that exits on `docker stop`, to exec promtool in.
const IDLE = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

describe('promtool', () => {
  let toolbox: StartedTestContainer;

  beforeAll(async () => {
    toolbox = await new GenericContainer(PROMETHEUS_IMAGE)
      .withEntrypoint(IDLE)
      .withCommand([])
      .withCopyDirectoriesToContainer([{ source: path.join(monitoringDir, 'prometheus'), target: CONFIG_DIR }])
      .start();
  });
  afterAll(async () => {
    await toolbox?.stop();
  });

  const promtool = (...args: string[]) => toolbox.exec(['/bin/promtool', ...args]);

  it('accepts prometheus.yml and the rule files it loads', async () => {
    const result = await promtool('check', 'config', `${CONFIG_DIR}/prometheus.yml`);
    expect(result.output).toContain(`SUCCESS: ${ruleFiles().length} rule files found`);
    expect(result.output).toContain('is valid prometheus config file syntax');
    expect(result.exitCode).toBe(0);
  });

  it('accepts every rule file', async () => {
    const files = ruleFiles().map((f) => `${CONFIG_DIR}/rules/${path.basename(f.file)}`);
    const result = await promtool('check', 'rules', ...files);
    expect(result.output.match(/SUCCESS: \d+ rules found/g)).toHaveLength(files.length);
    expect(result.exitCode).toBe(0);
  });

  it('passes the rule unit tests', async () => {
    const files = listFiles(ruleTestsDir, '.test.yml').map((f) => `${CONFIG_DIR}/rules/tests/${path.basename(f)}`);
    const result = await promtool('test', 'rules', ...files);
    expect(result.output, result.output).not.toContain('FAILED');
    expect(result.output.match(/SUCCESS/g)).toHaveLength(files.length);
    expect(result.exitCode).toBe(0);
  });

  it('fails the unit tests when an alert threshold changes (the tests can fail)', async () => {
    const mutated = await toolbox.exec([
      '/bin/sh',
      '-c',
      `cp -r ${CONFIG_DIR}/rules /tmp/mutated &&
       sed -i 's/ratio_rate2m > 0.05/ratio_rate2m > 0.5/' /tmp/mutated/api-alerts.yml &&
       /bin/promtool test rules /tmp/mutated/tests/api-alerts.test.yml`,
    ]);
    expect(mutated.output).toContain('alertname: HighErrorRate');
    expect(mutated.exitCode).not.toBe(0);
  });
});

// Every PromQL expression of the rules and the dashboards must at least parse
// and evaluate on the Prometheus version we run. The e2e suite checks that they
// return data once the API has traffic. An Alertmanager (its image's default
// configuration) answers to `alertmanager` on the same network, so the alerts
// Prometheus sends can be read as Alertmanager receives them.
describe('Prometheus with the repository configuration', () => {
  let network: StartedNetwork;
  let alertmanager: StartedTestContainer;
  let prometheus: StartedTestContainer;
  let base: string;

  beforeAll(async () => {
    network = await new Network().start();
    alertmanager = await new GenericContainer(image('ALERTMANAGER_IMAGE'))
      .withNetwork(network)
      .withNetworkAliases('alertmanager')
      .withExposedPorts(9093)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9093))
      .start();
    prometheus = await new GenericContainer(PROMETHEUS_IMAGE)
      .withNetwork(network)
      .withCopyDirectoriesToContainer([{ source: path.join(monitoringDir, 'prometheus'), target: CONFIG_DIR }])
      .withCommand([`--config.file=${CONFIG_DIR}/prometheus.yml`, '--storage.tsdb.path=/prometheus'])
      .withExposedPorts(9090)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9090))
      .start();
    base = `http://${prometheus.getHost()}:${prometheus.getMappedPort(9090)}`;
  });
  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await network?.stop();
  });

  it('sends alerts with the runbook link built from the external label, and without the link labels', { timeout: 120_000 }, async () => {
    const url = `http://${alertmanager.getHost()}:${alertmanager.getMappedPort(9093)}/api/v2/alerts?filter=alertname%3D%22Watchdog%22`;
    type Alert = { labels: Record<string, string>; annotations: Record<string, string> };
    // Watchdog (vector(1)) fires at the first evaluation and is sent at once. A
    // send that fails (Alertmanager's name not resolvable yet on a loaded
    // machine) is dropped, and a firing alert is sent again only after
    // Prometheus's --rules.alert.resend-delay (1m): wait past one resend.
    const alerts = await pollUntil(
      async () => (await (await fetch(url)).json()) as Alert[],
      (found) => found.length === 1,
      {
        timeoutMs: 100_000,
        what: 'the Watchdog alert in Alertmanager',
      },
    ).catch(async (error: unknown) => {
      const sent = await (await fetch(`${base}/api/v1/query?query=prometheus_notifications_sent_total`)).text();
      const errors = await (await fetch(`${base}/api/v1/query?query=prometheus_notifications_errors_total`)).text();
      throw new Error(`${String(error)}; Prometheus sent: ${sent}; errors: ${errors}`);
    });
    expect(alerts[0]!.annotations.runbook_url).toBe(`${RUNBOOK_BASE_URL}/Watchdog.md`);
    // Its own labels only: runbook_base_url and grafana_url were attached and then dropped (alert_relabel_configs).
    expect(Object.keys(alerts[0]!.labels).sort()).toEqual(['alertname', 'severity']);
  });

  interface RulesResponse {
    data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
  }

  it('loads and evaluates every rule without error', async () => {
    const expected = ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules)).length;
    await expect
      .poll(
        async () => {
          const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as RulesResponse;
          const rules = body.data.groups.flatMap((g) => g.rules);
          return { count: rules.length, unevaluated: rules.filter((r) => r.health === 'unknown').length };
        },
        { timeout: 45_000, interval: 1_000 },
      )
      .toEqual({ count: expected, unevaluated: 0 });
    const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as RulesResponse;
    const broken = body.data.groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok');
    expect(broken).toEqual([]);
  });

  const queries = [
    ...alertingRules().map((r) => [`rule ${r.alert}`, r.expr] as const),
    ...dashboards().flatMap((d) =>
      dashboardExprs(d.json).map((e) => [`${path.basename(d.file)}: ${e.slice(0, 60)}`, expandGrafanaMacros(e)] as const),
    ),
  ];

  it.each(queries)('%s is valid PromQL', async (_name, expr) => {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string };
    expect(body.error).toBeUndefined();
    expect(body.status).toBe('success');
  });
});
