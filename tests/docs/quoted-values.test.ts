import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listFiles, parseCompose, repoRoot, rulesDir } from '@observable-todo/test-support/repo';

/**
 * The docs quote values that live in configuration: ports, intervals, the
 * minimum traffic for pages. The configuration is the source; these checks
 * fail when a value changes there and the sentence that explains it does not.
 */
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const README = read('README.md');
const MONITORING_DOC = read('docs/monitoring.md');

/** Every capture of `pattern` in `text`; a quote that is missing altogether fails too. */
function quoted(text: string, pattern: RegExp): string[] {
  const found = [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))].map((match) => match[1]!);
  expect(found, `no quote matching ${pattern}`).not.toEqual([]);
  return found;
}

/** Each published port's variable and its default, as the compose files write them: `127.0.0.1:${GRAFANA_PORT:-3000}:3000`. */
function publishedDefaults(): Record<string, string> {
  const compose = listFiles(path.join(repoRoot, 'deploy/compose'), '.yaml').map((file) => readFileSync(file, 'utf8')).join('\n');
  return Object.fromEntries([...compose.matchAll(/- 127\.0\.0\.1:\$\{(\w+_PORT):-(\d+)\}:\d+/g)].map(([, name, port]) => [name!, port!]));
}

describe('values the docs quote from the configuration', () => {
  // The README port table is written by `npm run docs` from the compose files (scripts/generate.test.ts checks it).

  it("nginx's resolver cache (valid=), as the replicas section quotes it", () => {
    const valid = read('services/frontend/nginx/templates/default.conf.template').match(/resolver .* valid=(\d+)s/)![1];
    expect(quoted(README, /resolver \.\.\. valid=(\d+)s/)).toEqual([valid]);
    expect(quoted(README, /stops getting it within (\d+) s/)).toEqual([valid]);
  });

  it("Prometheus's scrape and evaluation intervals and the API's DNS refresh", () => {
    const prometheus = parse(read('monitoring/prometheus/prometheus.yml')) as {
      global: { scrape_interval: string; evaluation_interval: string };
      scrape_configs: { job_name: string; dns_sd_configs?: { refresh_interval: string }[] }[];
    };
    const seconds = (duration: string) => String(Number(duration.replace(/s$/, '')));
    expect(prometheus.global.evaluation_interval).toBe(prometheus.global.scrape_interval);
    const interval = seconds(prometheus.global.scrape_interval);
    expect(quoted(MONITORING_DOC, /scrape and evaluation every (\d+) s/)).toEqual([interval]);
    expect(quoted(MONITORING_DOC, /nginx-exporter \(and the log pipeline[^)]*\) every (\d+) s/)).toEqual([interval]);
    const refresh = seconds(prometheus.scrape_configs.find((job) => job.job_name === 'api')!.dns_sd_configs![0]!.refresh_interval);
    expect(quoted(MONITORING_DOC, /refreshed every (\d+) s/)).toEqual([refresh]);
    expect(quoted(README, /`dns_sd_configs`, refreshed every (\d+) s/)).toEqual([refresh]);
  });

  it('the minimum traffic for pages, from its one recording rule', () => {
    const slo = parse(read('monitoring/prometheus/rules/slo.yml')) as { groups: { rules: { record?: string; expr: string }[] }[] };
    const rule = slo.groups.flatMap((group) => group.rules).find((r) => r.record === 'slo:min_request_rate:rps')!;
    const rps = rule.expr.match(/^vector\(([\d.]+)\)$/)![1];
    expect(quoted(MONITORING_DOC, /Minimum traffic for pages: ([\d.]+) user requests per second/)).toEqual([rps]);
    expect(quoted(MONITORING_DOC, /At ([\d.]+) rps the 2-minute window/)).toEqual([rps]);
  });

  it("Fluent Bit's scan for new container files", () => {
    const fluentBit = parse(read('logging/fluent-bit/fluent-bit.yaml')) as { pipeline: { inputs: { name: string; refresh_interval?: number }[] } };
    const refresh = String(fluentBit.pipeline.inputs.find((input) => input.name === 'tail')!.refresh_interval);
    expect(quoted(README, /found at the next scan, every (\d+) s/)).toEqual([refresh]);
    expect(quoted(README, /removed\s+within (\d+) s loses those lines/)).toEqual([refresh]);
  });

  it("the API's stop_grace_period as quoted, and longer than the drain delay plus the shutdown timeout", () => {
    const api = parseCompose<{ services: { api: { stop_grace_period: string; environment: Record<string, number> } } }>(read('deploy/compose/app.yaml')).services.api;
    const grace = Number(api.stop_grace_period.replace(/s$/, ''));
    expect(quoted(README, /`stop_grace_period` \((\d+) s\) is longer than that/)).toEqual([String(grace)]);
    expect(grace * 1000).toBeGreaterThan(api.environment.SHUTDOWN_DRAIN_DELAY_MS! + api.environment.SHUTDOWN_TIMEOUT_MS!);
  });

  it("alert and Slack links point at Grafana's and Kibana's published defaults", () => {
    const { GRAFANA_PORT, KIBANA_PORT } = publishedDefaults();
    const rules = listFiles(rulesDir, '.yml').map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(new Set(quoted(rules, /dashboard_url: http:\/\/localhost:(\d+)\//))).toEqual(new Set([GRAFANA_PORT]));
    expect(quoted(read('monitoring/alertmanager/templates/slack.tmpl'), /http:\/\/localhost:(\d+)\/app\/discover/)).toEqual([KIBANA_PORT]);
  });
});
