import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import path from 'node:path';
import {
  alertingRules,
  dashboardExprs,
  dashboards,
  monitoringDir,
  ruleFiles,
  ruleTestsDir,
  expandGrafanaMacros,
} from '@observable-todo/test-support/monitoring-files';
import { PROMETHEUS_IMAGE, listFiles } from '@observable-todo/test-support/repo';

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
// return data once the API has traffic.
describe('Prometheus with the repository configuration', () => {
  let prometheus: StartedTestContainer;
  let base: string;

  beforeAll(async () => {
    prometheus = await new GenericContainer(PROMETHEUS_IMAGE)
      .withCopyDirectoriesToContainer([{ source: path.join(monitoringDir, 'prometheus'), target: CONFIG_DIR }])
      .withCommand([`--config.file=${CONFIG_DIR}/prometheus.yml`, '--storage.tsdb.path=/prometheus'])
      .withExposedPorts(9090)
      .withWaitStrategy(Wait.forHttp('/-/ready', 9090))
      .start();
    base = `http://${prometheus.getHost()}:${prometheus.getMappedPort(9090)}`;
  });
  afterAll(async () => {
    await prometheus?.stop();
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
