import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listFiles, parseCompose, readRepoFile, readYaml, repoRoot } from './repo.js';

/** The repository's monitoring files (Prometheus rules, Grafana dashboards, runbook and dashboard links) as tests read them. */

export const monitoringDir = path.join(repoRoot, 'monitoring');
export const rulesDir = path.join(monitoringDir, 'prometheus/rules');
export const ruleTestsDir = path.join(rulesDir, 'tests');
export const dashboardsDir = path.join(monitoringDir, 'grafana/dashboards');

/** Grafana's dashboard links as users open them: its GF_SERVER_ROOT_URL with GRAFANA_PORT's default. */
export const GRAFANA_BASE = `${(
  parseCompose<{ services: { grafana: { environment: Record<string, string> } } }>(readRepoFile('deploy/compose/dashboards.yaml')).services
    .grafana.environment.GF_SERVER_ROOT_URL ?? ''
).replace(/\$\{GRAFANA_PORT:-(\d+)\}/, '$1')}/d/`;

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}
export interface RuleFile {
  file: string;
  groups: RuleGroup[];
}

/** The rule files Prometheus loads (rule_files: rules/*.yml). */
export function ruleFiles(): RuleFile[] {
  return listFiles(rulesDir, '.yml').map((file) => ({ file, ...readYaml<{ groups: RuleGroup[] }>(file) }));
}

export function alertingRules(): Rule[] {
  return ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined)));
}

export function alertNames(): string[] {
  return [...new Set(alertingRules().map((r) => r.alert as string))].sort();
}

export interface Dashboard {
  file: string;
  json: Record<string, unknown>;
}

export function dashboards(): Dashboard[] {
  return listFiles(dashboardsDir, '.json').map((file) => ({
    file,
    json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
  }));
}

/** Every `expr` of every panel target, nested rows included. */
export function dashboardExprs(json: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(json);
  return found;
}

/** Grafana's macros, replaced the way Grafana would for a 1h view, so the queries run on Prometheus itself. */
export function expandGrafanaMacros(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h');
}
