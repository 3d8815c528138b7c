import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, YAMLMap, YAMLSeq, type Tags } from 'yaml';

/** Repository root, whatever directory the tests run from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const monitoringDir = path.join(repoRoot, 'monitoring');
export const rulesDir = path.join(monitoringDir, 'prometheus/rules');
export const ruleTestsDir = path.join(rulesDir, 'tests');
export const dashboardsDir = path.join(monitoringDir, 'grafana/dashboards');

/**
 * Compose's own YAML tags (docs.docker.com/reference/compose-file/merge:
 * `!override` replaces a merged value, `!reset` removes it). They are not YAML
 * core tags, so a plain parse warns about each; these read the value as
 * written (`!reset` of a scalar as null), which is what a test of one file wants.
 */
export const COMPOSE_YAML_TAGS: Tags = [
  { tag: '!override', collection: 'map', nodeClass: YAMLMap },
  { tag: '!override', collection: 'seq', nodeClass: YAMLSeq },
  { tag: '!reset', collection: 'map', nodeClass: YAMLMap },
  { tag: '!reset', collection: 'seq', nodeClass: YAMLSeq },
  { tag: '!reset', resolve: () => null },
];

/** One compose file as written, with Compose's tags and YAML merge keys. */
export function parseCompose<T = unknown>(text: string): T {
  return parse(text, { merge: true, customTags: COMPOSE_YAML_TAGS }) as T;
}

/** Grafana's dashboard links as users open them: its GF_SERVER_ROOT_URL with GRAFANA_PORT's default. */
export const GRAFANA_BASE = `${(
  parseCompose<{ services: { grafana: { environment: Record<string, string> } } }>(readFileSync(path.join(repoRoot, 'deploy/compose/dashboards.yaml'), 'utf8'))
    .services.grafana.environment.GF_SERVER_ROOT_URL ?? ''
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

export function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(dir, name));
}

export function readYaml<T>(file: string): T {
  return parse(readFileSync(file, 'utf8')) as T;
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

export function fileExists(relativeToRepo: string): boolean {
  return existsSync(path.join(repoRoot, relativeToRepo));
}

/** Grafana's macros, replaced the way Grafana would for a 1h view, so the queries run on Prometheus itself. */
export function expandGrafanaMacros(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h');
}
