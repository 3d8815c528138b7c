import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GRAFANA_URL, RUNBOOK_BASE_URL, dashboardTemplate, expandLinks, runbookTemplate } from '@observable-todo/test-support/alert-links';
import {
  GRAFANA_BASE,
  alertNames,
  alertingRules,
  dashboardExprs,
  dashboards,
  monitoringDir,
  ruleFiles,
  ruleTestsDir,
  rulesDir,
} from '@observable-todo/test-support/monitoring-files';
import { fileExists, listFiles, readYaml, repoRoot } from '@observable-todo/test-support/repo';

// Static checks on the monitoring configuration: conventions promtool and
// amtool do not enforce. The tools themselves run in the integration tests.

const SEVERITIES = ['critical', 'warning', 'info', 'none'];

describe('alerting rules', () => {
  const rules = alertingRules();

  it('exist', () => {
    expect(alertNames()).toEqual(
      expect.arrayContaining([
        'ApiDown',
        'HighErrorRate',
        'HighLatencyP95',
        'ApiNotReady',
        'DatabaseDown',
        'DatabaseSchemaPending',
        'ApiErrorBudgetBurn',
        'HostHighCpu',
        'HostHighMemory',
        'HostLowDisk',
        'PrometheusTargetMissing',
        'AlertmanagerNotificationsFailing',
        'Watchdog',
        'PrometheusRuleFailures',
        'PrometheusNotificationsDropped',
        'PrometheusNotConnectedToAlertmanagers',
        'PrometheusBadConfig',
        'AlertmanagerFailedReload',
        'EdgeDown',
        'EdgeErrors',
      ]),
    );
  });

  it.each(rules.map((r) => [`${r.alert} (${r.labels?.severity}, ${r.expr.split('\n')[0]})`, r] as const))(
    '%s has a severity, a summary, a description with the live value and a runbook',
    (_name, rule) => {
      expect(SEVERITIES).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.trim()).toBeTruthy();
      expect(rule.annotations?.description?.trim()).toBeTruthy();
      // Watchdog's value is always 1: nothing to show.
      if (rule.alert !== 'Watchdog') expect(rule.annotations?.description).toContain('$value');
      // Built from the one base in prometheus.yml; resolved, it names the alert's runbook file (checked below).
      expect(rule.annotations?.runbook_url).toBe(runbookTemplate(rule.alert!));
      expect(expandLinks(rule.annotations!.runbook_url!)).toBe(`${RUNBOOK_BASE_URL}/${rule.alert}.md`);
    },
  );

  it.each(alertNames())('%s has a runbook in docs/runbooks/', (alert) => {
    expect(fileExists(`docs/runbooks/${alert}.md`)).toBe(true);
    const runbook = readFileSync(path.join(monitoringDir, `../docs/runbooks/${alert}.md`), 'utf8');
    expect(runbook).toMatch(new RegExp(`^# ${alert}\\b`));
    for (const section of ['## What it means', '## How to confirm', '## What to do']) {
      expect(runbook).toContain(section);
    }
  });

  it('link dashboards that exist', () => {
    const uids = new Set(dashboards().map((d) => d.json.uid));
    const linked = rules.map((r) => r.annotations?.dashboard_url).filter((u): u is string => u !== undefined);
    expect(linked.length).toBeGreaterThan(0);
    for (const url of linked) {
      const uid = /\/d\/([\w-]+)$/.exec(url)?.[1] ?? '';
      expect(url).toBe(dashboardTemplate(uid));
      expect(uids).toContain(uid);
      expect(expandLinks(url)).toBe(`${GRAFANA_BASE}${uid}`);
    }
  });

  it("take their link bases from prometheus.yml's external labels, which never reach Alertmanager", () => {
    expect(RUNBOOK_BASE_URL).toMatch(/^https:\/\/[^\s{}]+[^/]$/);
    // Grafana's own root URL (GF_SERVER_ROOT_URL with GRAFANA_PORT's default): the one value written twice.
    expect(`${GRAFANA_URL}/d/`).toBe(GRAFANA_BASE);
    const config = readYaml<{ alerting: { alert_relabel_configs?: { action: string; regex: string }[] } }>(
      path.join(monitoringDir, 'prometheus/prometheus.yml'),
    );
    const dropped = (config.alerting.alert_relabel_configs ?? [])
      .filter((r) => r.action === 'labeldrop')
      .map((r) => new RegExp(`^(?:${r.regex})$`));
    for (const name of ['runbook_base_url', 'grafana_url'])
      expect(
        dropped.some((regex) => regex.test(name)),
        name,
      ).toBe(true);
  });
});

describe('promtool unit tests', () => {
  interface AlertTest {
    alertname: string;
    exp_alerts?: unknown[];
  }
  interface TestFile {
    rule_files: string[];
    tests: { alert_rule_test?: AlertTest[] }[];
  }
  const testFiles = listFiles(ruleTestsDir, '.test.yml').map((f) => readYaml<TestFile>(f));
  const alertTests = testFiles.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));

  it.each(alertNames())('cover %s firing and, unless it always fires, staying silent', (alert) => {
    const cases = alertTests.filter((t) => t.alertname === alert);
    expect(cases.some((t) => (t.exp_alerts ?? []).length > 0)).toBe(true);
    if (alert !== 'Watchdog') expect(cases.some((t) => (t.exp_alerts ?? []).length === 0)).toBe(true);
  });

  it('load every rule file', () => {
    const loaded = new Set(testFiles.flatMap((f) => f.rule_files.map((r) => path.resolve(ruleTestsDir, r))));
    for (const { file } of ruleFiles()) expect(loaded).toContain(file);
  });
});

describe('Prometheus', () => {
  it("evaluates rules at its scrape interval, so a rule's `for` counts whole scrapes", () => {
    const file = path.join(monitoringDir, 'prometheus/prometheus.yml');
    const config = readYaml<{ global: { scrape_interval: string; evaluation_interval: string } }>(file);
    expect(config.global.evaluation_interval).toBe(config.global.scrape_interval);
  });
});

describe('the SLO', () => {
  const sloText = readFileSync(path.join(rulesDir, 'slo.yml'), 'utf8');

  it('has its objective in exactly one place', () => {
    // The number itself appears once, in slo.yml; 99.5% only in its prose.
    expect(sloText.match(/0\.995/g)).toHaveLength(1);
    for (const { file } of ruleFiles().filter((f) => path.basename(f.file) !== 'slo.yml')) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/0\.995|99\.5/);
    }
    const objective = ruleFiles()
      .flatMap((f) => f.groups.flatMap((g) => g.rules))
      .filter((r) => r.record === 'slo:objective:ratio');
    expect(objective).toHaveLength(1);
    expect(objective[0]?.expr).toBe('vector(0.995)');
  });

  it('has its minimum traffic in one place, required by every paging ratio alert', () => {
    const rules = ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules));
    const minimum = rules.filter((r) => r.record === 'slo:min_request_rate:rps');
    expect(minimum).toHaveLength(1);
    expect(minimum[0]?.expr).toBe('vector(0.5)');
    // Alerts on an error ratio that page: each must also require the minimum traffic.
    const pagingRatios = alertingRules().filter((r) => r.labels?.severity === 'critical' && /ratio_rate/.test(r.expr));
    expect([...new Set(pagingRatios.map((r) => r.alert))].sort()).toEqual(['ApiErrorBudgetBurn', 'HighErrorRate']);
    for (const rule of pagingRatios) expect(rule.expr).toMatch(/>= on \(service\) slo:min_request_rate:rps\s*$/);
  });

  it('measures every window over the same requests', () => {
    const selectors = new Set(
      [...sloText.matchAll(/http_requests_total\{([^}]*)\}/g)].map((m) => (m[1] ?? '').replace(/,\s*status_code=~"5\.\."/, '')),
    );
    expect([...selectors]).toEqual(['job="api", route!~"/metrics|/health(/.*)?"']);
  });
});

describe('Grafana', () => {
  interface DataSources {
    datasources: { uid: string; type: string }[];
  }
  const provisioned = readYaml<DataSources>(path.join(monitoringDir, 'grafana/provisioning/datasources/datasources.yml')).datasources;
  const provisionedUids = new Set(provisioned.map((d) => d.uid));

  it('provisions Prometheus and Alertmanager with fixed uids', () => {
    expect(provisioned).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ uid: 'prometheus', type: 'prometheus' }),
        expect.objectContaining({ uid: 'alertmanager', type: 'alertmanager' }),
      ]),
    );
  });

  it('has the four dashboards, with unique uids', () => {
    const uids = dashboards().map((d) => d.json.uid);
    expect(uids).toEqual(expect.arrayContaining(['todo-api-overview', 'todo-slo', 'todo-host', 'todo-postgres']));
    expect(new Set(uids).size).toBe(uids.length);
  });

  it.each(dashboards().map((d) => [path.basename(d.file), d] as const))(
    '%s only uses provisioned data source uids and has queries',
    (_name, dashboard) => {
      const text = JSON.stringify(dashboard.json);
      expect(text).not.toContain('${DS_');
      const used = [...text.matchAll(/"datasource":\{[^}]*"uid":"([^"]+)"/g)].map((m) => m[1]);
      expect(used.length).toBeGreaterThan(0);
      for (const uid of used) {
        if (uid === '-- Grafana --') continue; // Grafana's built-in annotations
        expect(provisionedUids).toContain(uid);
      }
      expect(dashboardExprs(dashboard.json).length).toBeGreaterThan(0);
    },
  );
});

describe('Alertmanager', () => {
  interface Route {
    receiver?: string;
    routes?: Route[];
  }
  interface Config {
    route: Route;
    receivers: { name: string; slack_configs?: { send_resolved?: boolean; channel?: string }[] }[];
  }
  const config = readYaml<Config>(path.join(monitoringDir, 'alertmanager/alertmanager.yml'));

  it("links Slack messages to Kibana on KIBANA_PORT's published default", () => {
    const logging = readFileSync(path.join(repoRoot, 'deploy/compose/logging.yaml'), 'utf8');
    const kibanaPort = /127\.0\.0\.1:\$\{KIBANA_PORT:-(\d+)\}:/.exec(logging)?.[1];
    expect(kibanaPort).toBeDefined();
    const template = readFileSync(path.join(monitoringDir, 'alertmanager/templates/slack.tmpl'), 'utf8');
    const linked = new Set([...template.matchAll(/http:\/\/localhost:(\d+)\/app\/discover/g)].map((match) => match[1]));
    expect(linked).toEqual(new Set([kibanaPort]));
  });

  it('sends resolved notifications to Slack explicitly (the default is false)', () => {
    const slack = config.receivers.flatMap((r) => r.slack_configs ?? []);
    expect(slack.length).toBeGreaterThanOrEqual(2);
    for (const s of slack) expect(s.send_resolved).toBe(true);
  });

  it('routes only to receivers that exist', () => {
    const names = new Set(config.receivers.map((r) => r.name));
    const walk = (route: Route): string[] => [...(route.receiver ? [route.receiver] : []), ...(route.routes ?? []).flatMap(walk)];
    for (const receiver of walk(config.route)) expect(names).toContain(receiver);
  });

  it('keeps the webhooks out of the file: each receiver reads its own secret file', () => {
    const text = readFileSync(path.join(monitoringDir, 'alertmanager/alertmanager.yml'), 'utf8');
    expect(text).not.toMatch(/hooks\.slack\.com|https?:\/\//);
    const receivers = readYaml<{
      global?: Record<string, unknown>;
      receivers: { name: string; slack_configs?: Record<string, unknown>[]; webhook_configs?: Record<string, unknown>[] }[];
    }>(path.join(monitoringDir, 'alertmanager/alertmanager.yml'));
    // One Slack webhook posts to one channel: no shared global URL, one file per receiver.
    expect(receivers.global?.slack_api_url_file).toBeUndefined();
    const files = Object.fromEntries(
      receivers.receivers.map((r) => [
        r.name,
        [...(r.slack_configs ?? []).map((c) => c.api_url_file), ...(r.webhook_configs ?? []).map((c) => c.url_file)],
      ]),
    );
    expect(files).toEqual({
      'slack-critical': ['/run/secrets/slack_pager_webhook_url'],
      'slack-warning': ['/run/secrets/slack_alerts_webhook_url'],
      heartbeat: ['/run/secrets/heartbeat_webhook_url'],
    });
  });

  it('pings the heartbeat every minute or two, without resolved messages', () => {
    interface HeartbeatRoute extends Route {
      matchers?: string[];
      group_wait?: string;
      group_interval?: string;
      repeat_interval?: string;
    }
    const route = (config.route.routes as HeartbeatRoute[]).find((r) => r.receiver === 'heartbeat');
    expect(route?.matchers).toEqual(['alertname = "Watchdog"']);
    expect(route).toMatchObject({ group_wait: '0s', group_interval: '1m', repeat_interval: '1m' });
    const heartbeat = config.receivers.find((r) => r.name === 'heartbeat') as { webhook_configs?: { send_resolved?: boolean }[] };
    expect(heartbeat.webhook_configs).toEqual([expect.objectContaining({ send_resolved: false })]);
  });
});

describe('the edge exporters in deploy/compose/metrics.yaml', () => {
  interface Service {
    image: string;
    read_only?: boolean;
    cap_drop?: string[];
    security_opt?: string[];
    ports?: string[];
    healthcheck?: { test: string[] };
    deploy?: { resources?: { limits?: { memory?: string } } };
  }
  // Compose files use YAML merge keys (`<<: *hardening`).
  const readCompose = (file: string) =>
    parse(readFileSync(path.join(repoRoot, file), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const compose = readCompose('deploy/compose/metrics.yaml');
  const app = readCompose('deploy/compose/app.yaml');

  it.each(['blackbox-exporter', 'nginx-exporter'])(
    '%s is hardened like the other services, with a memory limit and no published port',
    (name) => {
      const service = compose.services[name]!;
      expect(service).toMatchObject({ read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
      expect(service.deploy?.resources?.limits?.memory).toMatch(/^\d+M$/);
      expect(service.ports).toBeUndefined();
    },
  );

  it('checks the blackbox exporter with wget (busybox upstream) and leaves the shell-less nginx exporter to Prometheus', () => {
    expect(compose.services['blackbox-exporter']!.healthcheck?.test).toEqual([
      'CMD',
      'wget',
      '-q',
      '-O',
      '/dev/null',
      'http://localhost:9115/-/healthy',
    ]);
    expect(compose.services['nginx-exporter']!.healthcheck).toBeUndefined();
    const prometheus = readYaml<{ scrape_configs: { job_name: string }[] }>(path.join(monitoringDir, 'prometheus/prometheus.yml'));
    expect(prometheus.scrape_configs.map((j) => j.job_name)).toEqual(expect.arrayContaining(['blackbox', 'nginx']));
  });

  it('reads stub_status from a separate server on an internal port that compose does not publish', () => {
    const template = readFileSync(path.join(repoRoot, 'services/frontend/nginx/templates/status.conf.template'), 'utf8');
    expect(template).toMatch(/listen 8081;/);
    expect(template).toMatch(/location = \/stub_status \{\s*stub_status;[^}]*deny all;/);
    expect(compose.services['nginx-exporter']!).toMatchObject({ command: ['--nginx.scrape-uri=http://frontend:8081/stub_status'] });
    expect((app.services.frontend!.ports ?? []).filter((p) => p.includes('8081'))).toEqual([]);
  });
});

describe('the Alertmanager entrypoint', () => {
  // .ci/run installs shellcheck; elsewhere the check reports itself skipped.
  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;

  const title = shellcheck ? 'passes shellcheck' : 'passes shellcheck (skipped: shellcheck is not installed)';
  it.skipIf(!shellcheck)(title, () => {
    const result = spawnSync('shellcheck', ['--shell=sh', path.join(monitoringDir, 'alertmanager/docker-entrypoint.sh')], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
