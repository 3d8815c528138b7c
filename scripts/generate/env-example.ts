import { DEFAULTS as LOAD_DEFAULTS } from '@observable-todo/loadtest/config';
import type { Variable } from './compose.ts';
import type { LabelledPort } from './ports.ts';

/**
 * What each variable of the compose files means, one line each, grouped as
 * .env.example shows them. The ports are not here: their meaning is their
 * label in ports.ts. `npm run docs` fails when a variable the compose files use
 * has no line here, or a line names a variable no compose file uses.
 */
export const ENV_GROUPS: ReadonlyArray<{ title: string; note?: string; meanings: Readonly<Record<string, string>> }> = [
  {
    title: 'The images the stack builds',
    meanings: {
      IMAGE_TAG: 'Tag of observable-todo/api and observable-todo/frontend; another value lets two checkouts build side by side.',
    },
  },
  {
    title: 'API and UI',
    meanings: {
      API_LOG_LEVEL: "The API's and the migration job's log level: error, warn, info or debug.",
      API_RATE_LIMIT_MAX: 'Requests per client per window before the API answers 429; 0 switches the limit off.',
      API_HTTP_METRICS: "The API's per-request http_* metrics; false only while npm run bench measures them: the SLO alerts read them.",
      API_ACCESS_LOG: "The API's access log, one line per request; false only while npm run bench measures its cost.",
      CHAOS_ENDPOINTS: "The API's two drill endpoints, on its own port only (nginx refuses them); false switches them off.",
      API_BASE_URL: "Where the UI's browser code calls the API; an absolute URL (another origin) is added to the CSP's connect-src.",
    },
  },
  {
    title: 'Grafana',
    meanings: {
      GRAFANA_ADMIN_USER: "Grafana's admin user.",
      GRAFANA_ADMIN_PASSWORD_FILE:
        "File holding Grafana's admin password, read on the first start only (relative to deploy/compose/); /dev/null: generated.",
    },
  },
  {
    title: 'Prometheus and Alertmanager (Slack, heartbeat)',
    note: 'Each *_FILE names a file holding the URL, relative to deploy/compose/ (e.g. ./secrets/..., gitignored); /dev/null: off.',
    meanings: {
      PROMETHEUS_RETENTION: 'How long Prometheus keeps samples (--storage.tsdb.retention.time).',
      SLACK_PAGER_WEBHOOK_URL_FILE: 'Slack incoming webhook of #todo-pager: critical alerts (pages).',
      SLACK_ALERTS_WEBHOOK_URL_FILE: 'Slack incoming webhook of #todo-alerts: warnings and everything else.',
      HEARTBEAT_WEBHOOK_URL_FILE: "A dead man's switch (healthchecks.io, Dead Man's Snitch, ...) pinged with the Watchdog every minute.",
    },
  },
  {
    title: 'Logs (Elasticsearch, Fluent Bit)',
    meanings: {
      ES_ALLOW_MMAP: "true: Elasticsearch memory-maps its index files (faster searches); needs the host's vm.max_map_count >= 262144.",
      ES_HEAP_SIZE: "Elasticsearch's JVM heap (-Xms and -Xmx): half of ES_MEMORY_LIMIT or less.",
      ES_MEMORY_LIMIT: "Elasticsearch's container memory limit.",
      LOG_RETENTION_DAYS: 'Days a log document is kept (the ILM delete phase).',
      DOCKER_CONTAINERS_DIR: "The host directory of Docker's container logs, which Fluent Bit tails (another with another data-root).",
    },
  },
  {
    title: 'Load tests (npm run load:<shape>, loadtest/)',
    note: "Empty means the script's default (loadtest/lib/config.ts), shown after each meaning.",
    meanings: {
      BASE_URL: `Where the load test's users come in: the stack's public nginx; empty: ${LOAD_DEFAULTS.baseUrl}.`,
      CHAOS_BASE_URL: `Where drills go: the API itself on the compose network; empty: ${LOAD_DEFAULTS.chaosBaseUrl}.`,
      LOAD_RATE: `User-flow iterations per second that the shapes scale from; empty: ${LOAD_DEFAULTS.rate}.`,
      LOAD_HOLD: "Length of the steady phase (30s, 10m, 2h, 1h30m); empty: each shape's own.",
      CHAOS_SHARE: `Drill iterations per user iteration, 0 (off) to 1; empty: ${LOAD_DEFAULTS.chaosShare}.`,
      CHAOS_ERROR_SHARE: `Of the drills, the share that asks for a 500 (the rest: latency); empty: ${LOAD_DEFAULTS.chaosErrorShare}.`,
      CHAOS_LATENCY_MS: `Latency a latency drill asks for, in milliseconds; empty: ${LOAD_DEFAULTS.chaosLatencyMs}.`,
      THINK_TIME_SECONDS: `Pause between a user's steps, in seconds; empty: ${LOAD_DEFAULTS.thinkTimeSeconds}.`,
      K6_RESULTS_DIR: "Where k6 writes each run's summary; npm run load:* reads a relative path from the repository root.",
    },
  },
];

/** Variables the compose files read that a user does not set, and why. */
export const NOT_FOR_USERS: Readonly<Record<string, string>> = {
  // loadtest/run.sh (npm run load:*) and the e2e suite set them to the invoking user, overriding .env.
  K6_UID: 'set by loadtest/run.sh to `id -u`, so the summaries belong to whoever ran the test',
  K6_GID: 'set by loadtest/run.sh to `id -g`',
};

/** Image references (`NAME_IMAGE`) live in deploy/compose/.env, one line each: .env.example points there instead. */
const isImage = (name: string) => /_IMAGE$/.test(name);

const MAX_LINE = 139;

function envValue(value: string, name: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  if (value.includes("'")) throw new Error(`${name}: cannot write the default ${JSON.stringify(value)} in .env.example`);
  return `'${value}'`;
}

/** The whole .env.example. */
export function envExample(variables: readonly Variable[], ports: readonly LabelledPort[]): string {
  const portVariables = new Set(ports.map((port) => port.variable));
  const listed = new Map<string, string>();
  for (const group of ENV_GROUPS) {
    for (const name of Object.keys(group.meanings)) {
      if (listed.has(name)) throw new Error(`ENV_GROUPS in scripts/generate/env-example.ts lists ${name} twice`);
      if (portVariables.has(name)) throw new Error(`ENV_GROUPS lists ${name}, a published port: its meaning is its label in ports.ts`);
      listed.set(name, group.title);
    }
  }
  const used = new Map(variables.map((variable) => [variable.name, variable]));
  const problems: string[] = [];
  for (const variable of variables) {
    const { name } = variable;
    const known = listed.has(name) || portVariables.has(name) || name in NOT_FOR_USERS || isImage(name);
    if (!known)
      problems.push(
        `${variable.name} (used in ${variable.uses[0]}) has no meaning: add it to ENV_GROUPS in scripts/generate/env-example.ts`,
      );
  }
  for (const name of [...listed.keys(), ...Object.keys(NOT_FOR_USERS)]) {
    if (!used.has(name)) problems.push(`scripts/generate/env-example.ts names ${name}, which no compose file uses: remove it`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));

  const entry = (name: string, meaning: string) => {
    const variable = used.get(name)!;
    return [`# ${meaning}${variable.required ? ' Required.' : ''}`, `# ${name}=${envValue(variable.default, name)}`, ''];
  };
  const images = variables.filter((variable) => isImage(variable.name));
  const lines = [
    '# Settings for the compose stack: every variable that compose.yaml and deploy/compose/*.yaml read, commented out',
    '# at its default. Copy this file to .env next to compose.yaml and uncomment what you change; the shell wins over .env.',
    '#',
    '# Generated by `npm run docs` (scripts/generate/env-example.ts) from the compose files; do not edit.',
    ...(images.length === 0
      ? []
      : ['#', `# Image versions (${images.length} NAME_IMAGE variables) are set in deploy/compose/.env; one set here overrides it.`]),
    '',
    '# --- Ports, published on 127.0.0.1 only ---',
    '',
    ...ports.flatMap((port) => entry(port.variable, `${port.what}.`)),
    ...ENV_GROUPS.flatMap((group) => [
      `# --- ${group.title} ---`,
      ...(group.note === undefined ? [] : [`# ${group.note}`]),
      '',
      ...Object.keys(group.meanings)
        .sort()
        .flatMap((name) => entry(name, group.meanings[name]!)),
    ]),
  ];
  const text = `${lines.join('\n').replace(/\n+$/, '')}\n`;
  const long = text.split('\n').find((line) => line.length > MAX_LINE);
  if (long !== undefined) throw new Error(`.env.example would have a line over ${MAX_LINE} characters: ${long}`);
  return text;
}
