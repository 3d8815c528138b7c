import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The alerts' link bases, written once as external labels in
 * monitoring/prometheus/prometheus.yml: every rule's runbook_url is
 * `{{ $externalLabels.runbook_base_url }}/<AlertName>.md` and its dashboard_url
 * `{{ $externalLabels.grafana_url }}/d/<uid>`; Prometheus expands them when the
 * alert fires and drops both labels before the alert reaches Alertmanager.
 */
export const PROMETHEUS_CONFIG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../monitoring/prometheus/prometheus.yml',
);

const externalLabels =
  (parse(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as { global?: { external_labels?: Record<string, string> } }).global?.external_labels ??
  {};

function label(name: string): string {
  const value = externalLabels[name];
  if (value === undefined || value === '') throw new Error(`prometheus.yml has no global.external_labels.${name}`);
  return value;
}

/** Where the runbooks live, without a trailing slash (this repository's docs/runbooks/ on GitHub; a fork's own). */
export const RUNBOOK_BASE_URL = label('runbook_base_url');
/** Grafana as an operator opens it, without a trailing slash. */
export const GRAFANA_URL = label('grafana_url');

/** The template every rule's runbook_url is, for an alert. */
export const runbookTemplate = (alert: string) => `{{ $externalLabels.runbook_base_url }}/${alert}.md`;
/** The template a dashboard_url is, for a dashboard uid. */
export const dashboardTemplate = (uid: string) => `{{ $externalLabels.grafana_url }}/d/${uid}`;

/** An annotation as Prometheus expands it with the configured external labels (only `{{ $externalLabels.name }}`). */
export function expandLinks(annotation: string): string {
  return annotation.replace(/\{\{\s*\$externalLabels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_match, name: string) => label(name));
}
