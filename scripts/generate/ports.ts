import type { PublishedPort } from './compose.ts';
import { markdownTable } from './markdown.ts';

/**
 * What each published port serves, in the order the README's table lists
 * them. One entry per `127.0.0.1:${NAME_PORT:-N}:M` in the compose files: a
 * port without an entry, or an entry without its port, fails `npm run docs`.
 */
export const PORT_LABELS: ReadonlyArray<readonly [variable: string, label: string]> = [
  ['FRONTEND_PORT', 'Todo UI (the public entry point)'],
  ['API_PORT', 'API, direct (debugging only)'],
  ['PROMETHEUS_PORT', 'Prometheus'],
  ['ALERTMANAGER_PORT', 'Alertmanager'],
  ['GRAFANA_PORT', 'Grafana'],
  ['KIBANA_PORT', 'Kibana (logs)'],
  ['ELASTICSEARCH_PORT', 'Elasticsearch (debugging)'],
  ['FLUENT_BIT_PORT', 'Fluent Bit (debugging)'],
];

export interface LabelledPort extends PublishedPort {
  /** The label, and for a port in a file compose.yaml does not include, the `-f` that publishes it. */
  what: string;
}

/** The published ports in PORT_LABELS' order, each with what it serves. */
export function labelPorts(ports: readonly PublishedPort[], included: ReadonlySet<string>): LabelledPort[] {
  const byVariable = new Map(ports.map((port) => [port.variable, port]));
  const unlabelled = ports.filter((port) => !PORT_LABELS.some(([variable]) => variable === port.variable));
  if (unlabelled.length > 0) {
    throw new Error(
      `no label for the published port ${unlabelled.map((p) => `${p.variable} (${p.file})`).join(', ')}: ` +
        'add one to PORT_LABELS in scripts/generate/ports.ts',
    );
  }
  return PORT_LABELS.map(([variable, label]) => {
    const port = byVariable.get(variable);
    if (port === undefined) throw new Error(`PORT_LABELS in scripts/generate/ports.ts names ${variable}, which no compose file publishes`);
    const what = included.has(port.file) ? label : `${label}, with \`-f ${port.file}\``;
    return { ...port, what };
  });
}

/** The README's `ports` block: what | where. */
export function portsTable(ports: readonly LabelledPort[]): string {
  return markdownTable(
    ['what', 'where'],
    ports.map((port) => [port.what, `http://localhost:${port.hostPort}`]),
  );
}
