import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '@observable-todo/test-support/repo';

/** Faster than production, so an alert drill fits in minutes; the rules' own windows and `for` stay. */
export const E2E_TIMINGS = {
  scrapeInterval: '2s',
  evaluationInterval: '2s',
  groupWait: '1s',
  groupInterval: '5s',
} as const;

type Yaml = Record<string, unknown>;
type Route = Yaml & { routes?: Route[] };

const TIMING_KEYS = new Set(['scrape_interval', 'evaluation_interval', 'scrape_timeout', 'group_wait', 'group_interval']);

/** A deep copy without the keys the overlay may change: what must stay identical. */
export function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !TIMING_KEYS.has(key))
        .map(([key, inner]) => [key, withoutTimings(inner)]),
    );
  }
  return value;
}

function shortenRoute(route: Route): Route {
  const copy: Route = { ...route };
  if ('group_wait' in copy) copy.group_wait = E2E_TIMINGS.groupWait;
  if ('group_interval' in copy) copy.group_interval = E2E_TIMINGS.groupInterval;
  if (route.routes) copy.routes = route.routes.map(shortenRoute);
  return copy;
}

/** The webhook URLs the stack's secrets point at, one per receiver (e2e: paths on the Slack stand-in). */
export interface WebhookUrls {
  slackPager: string;
  slackAlerts: string;
  heartbeat: string;
}

export interface GeneratedConfigs {
  dir: string;
  prometheus: string;
  alertmanager: string;
  /** The secret files, as the compose variables that name them. */
  webhookFiles: {
    SLACK_PAGER_WEBHOOK_URL_FILE: string;
    SLACK_ALERTS_WEBHOOK_URL_FILE: string;
    HEARTBEAT_WEBHOOK_URL_FILE: string;
  };
  original: { prometheus: Yaml; alertmanager: Yaml };
  generated: { prometheus: Yaml; alertmanager: Yaml };
}

/**
 * Writes the shortened copies and the webhook secrets for the overlay, readable by
 * the containers' users. The copies are mounted where the originals are, so
 * their relative paths (rules/*.yml, templates/*.tmpl) resolve the same way.
 */
export function generateMonitoringConfigs(webhooks: WebhookUrls): GeneratedConfigs {
  const dir = mkdtempSync(join(tmpdir(), 'todo-e2e-'));
  chmodSync(dir, 0o755);
  const original = {
    prometheus: parse(readFileSync(join(repoRoot, 'monitoring/prometheus/prometheus.yml'), 'utf8')) as Yaml,
    alertmanager: parse(readFileSync(join(repoRoot, 'monitoring/alertmanager/alertmanager.yml'), 'utf8')) as Yaml,
  };

  const prometheus: Yaml = {
    ...original.prometheus,
    global: {
      ...(original.prometheus.global as Yaml),
      scrape_interval: E2E_TIMINGS.scrapeInterval,
      scrape_timeout: E2E_TIMINGS.scrapeInterval,
      evaluation_interval: E2E_TIMINGS.evaluationInterval,
    },
  };
  const alertmanager: Yaml = {
    ...original.alertmanager,
    route: shortenRoute(original.alertmanager.route as Route),
  };

  const files = {
    prometheus: join(dir, 'prometheus.yml'),
    alertmanager: join(dir, 'alertmanager.yml'),
  };
  const webhookFiles = {
    SLACK_PAGER_WEBHOOK_URL_FILE: join(dir, 'slack_pager_webhook_url'),
    SLACK_ALERTS_WEBHOOK_URL_FILE: join(dir, 'slack_alerts_webhook_url'),
    HEARTBEAT_WEBHOOK_URL_FILE: join(dir, 'heartbeat_webhook_url'),
  };
  writeFileSync(files.prometheus, stringify(prometheus), { mode: 0o644 });
  writeFileSync(files.alertmanager, stringify(alertmanager), { mode: 0o644 });
  writeFileSync(webhookFiles.SLACK_PAGER_WEBHOOK_URL_FILE, `${webhooks.slackPager}\n`, { mode: 0o644 });
  writeFileSync(webhookFiles.SLACK_ALERTS_WEBHOOK_URL_FILE, `${webhooks.slackAlerts}\n`, { mode: 0o644 });
  writeFileSync(webhookFiles.HEARTBEAT_WEBHOOK_URL_FILE, `${webhooks.heartbeat}\n`, { mode: 0o644 });
  return { dir, ...files, webhookFiles, original, generated: { prometheus, alertmanager } };
}
