import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GRAFANA_BASE,
  RUNBOOK_BASE,
  alertNames,
  alertingRules,
  dashboardExprs,
  dashboards,
  fileExists,
  listFiles,
  monitoringDir,
  readYaml,
  ruleFiles,
  ruleTestsDir,
  rulesDir,
} from '@observable-todo/test-support/repo';

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
      expect(rule.annotations?.runbook_url).toBe(`${RUNBOOK_BASE}${rule.alert}.md`);
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
      expect(url.startsWith(GRAFANA_BASE)).toBe(true);
      expect(uids).toContain(url.slice(GRAFANA_BASE.length));
    }
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

  it('measures every window over the same requests', () => {
    const selectors = new Set(
      [...sloText.matchAll(/http_requests_total\{([^}]*)\}/g)].map((m) =>
        (m[1] ?? '').replace(/,\s*status_code=~"5\.\."/, ''),
      ),
    );
    expect([...selectors]).toEqual(['job="api", route!~"/metrics|/health(/.*)?"']);
  });
});

describe('Grafana', () => {
  interface DataSources {
    datasources: { uid: string; type: string }[];
  }
  const provisioned = readYaml<DataSources>(
    path.join(monitoringDir, 'grafana/provisioning/datasources/datasources.yml'),
  ).datasources;
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

  it('sends resolved notifications to Slack explicitly (the default is false)', () => {
    const slack = config.receivers.flatMap((r) => r.slack_configs ?? []);
    expect(slack.length).toBeGreaterThanOrEqual(2);
    for (const s of slack) expect(s.send_resolved).toBe(true);
  });

  it('routes only to receivers that exist', () => {
    const names = new Set(config.receivers.map((r) => r.name));
    const walk = (route: Route): string[] => [
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(walk),
    ];
    for (const receiver of walk(config.route)) expect(names).toContain(receiver);
  });

  it('keeps the webhook out of the file', () => {
    const text = readFileSync(path.join(monitoringDir, 'alertmanager/alertmanager.yml'), 'utf8');
    expect(text).not.toMatch(/hooks\.slack\.com/);
    expect(text).toContain('slack_api_url_file: /run/secrets/slack_webhook_url');
  });
});
