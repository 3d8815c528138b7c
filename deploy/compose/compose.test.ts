import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Static checks on the compose files that `docker compose config` does not make:
// start-up order around the generated secrets and settings that must not drift.
// The behaviour itself is proven by the e2e suites in tests/e2e/.

const composeDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(composeDir, '../..');
const COMPOSE_FILES = ['app.yaml', 'metrics.yaml', 'dashboards.yaml'];

interface Service {
  image?: string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: (string | { source?: string; target?: string })[];
  build?: { context?: string; dockerfile?: string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  cpus?: number | string;
  deploy?: { resources?: { limits?: { cpus?: number | string; memory?: string } } };
}

function services(): [string, string, Service][] {
  return COMPOSE_FILES.flatMap((file) => {
    const compose = parse(readFileSync(path.join(composeDir, file), 'utf8')) as { services: Record<string, Service> };
    return Object.entries(compose.services).map(([name, service]) => [file, name, service] as [string, string, Service]);
  });
}

function service(name: string): Service {
  const found = services().find(([, candidate]) => candidate === name);
  if (found === undefined) throw new Error(`no service ${name} in ${COMPOSE_FILES.join(', ')}`);
  return found[2];
}

function volumeSource(volume: string | { source?: string }): string | undefined {
  return typeof volume === 'string' ? volume.split(':')[0] : volume.source;
}

function dependencyCondition(svc: Service, dependency: string): string | undefined {
  if (Array.isArray(svc.depends_on)) return svc.depends_on.includes(dependency) ? 'service_started' : undefined;
  const entry = svc.depends_on?.[dependency];
  return entry === undefined ? undefined : (entry.condition ?? 'service_started');
}

describe('compose services reading the generated secrets', () => {
  const readers = services().filter(
    ([, name, svc]) => name !== 'secrets-init' && (svc.volumes ?? []).some((v) => volumeSource(v) === 'app-secrets'),
  );

  it('are found (the check below is not vacuous)', () => {
    expect(readers.map(([, name]) => name)).toEqual(expect.arrayContaining(['db', 'api', 'postgres-exporter', 'grafana']));
  });

  it.each(readers.map(([file, name]) => [`${file}: ${name}`, name] as const))(
    '%s starts only after secrets-init completed, so the files exist when it reads them',
    (_label, name) => {
      expect(dependencyCondition(service(name), 'secrets-init')).toBe('service_completed_successfully');
    },
  );
});

describe('Grafana', () => {
  it('neither installs nor updates plugins from grafana.com at boot, and sends no usage reports', () => {
    expect(service('grafana').environment).toMatchObject({
      GF_PLUGINS_PREINSTALL_DISABLED: 'true',
      GF_PLUGINS_PREINSTALL_AUTO_UPDATE: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
    });
  });
});

/** Every file under a path (the path itself when it is a file). */
function filesUnder(absolute: string): string[] {
  if (!statSync(absolute).isDirectory()) return [absolute];
  return readdirSync(absolute, { withFileTypes: true }).flatMap((entry) =>
    entry.name === 'node_modules' ? [] : filesUnder(path.join(absolute, entry.name)),
  );
}

/** Files compose bind-mounts from this repository and files the Dockerfiles it builds COPY from the context. */
function filesShippedIntoContainers(): string[] {
  const found = new Set<string>();
  for (const [, , svc] of services()) {
    for (const volume of svc.volumes ?? []) {
      const source = volumeSource(volume);
      if (source?.startsWith('.')) filesUnder(path.resolve(composeDir, source)).forEach((file) => found.add(file));
    }
    if (svc.build?.dockerfile !== undefined) {
      const context = path.resolve(composeDir, svc.build.context ?? '.');
      const dockerfile = path.join(context, svc.build.dockerfile);
      found.add(dockerfile);
      for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
        const words = line.trim().split(/\s+/);
        if (words[0] !== 'COPY' || words.some((word) => word.startsWith('--from'))) continue;
        const sources = words.slice(1, -1).filter((word) => !word.startsWith('--'));
        sources.forEach((source) => filesUnder(path.join(context, source)).forEach((file) => found.add(file)));
      }
    }
  }
  return [...found].map((file) => path.relative(repoRoot, file)).sort();
}

function isScript(file: string): boolean {
  return /\.(sh|envsh)$/.test(file) || readFileSync(path.join(repoRoot, file), 'utf8').startsWith('#!');
}

const shellcheckMissing =
  spawnSync('shellcheck', ['--version']).error === undefined
    ? undefined
    : 'shellcheck is not installed (apt-get install shellcheck; .ci/run does)';
if (shellcheckMissing !== undefined) console.warn(`[skipped] shellcheck of the container scripts: ${shellcheckMissing}`);

describe('scripts that run inside Linux containers', () => {
  const scripts = filesShippedIntoContainers().filter(isScript);

  it('finds the scripts compose mounts and the Dockerfiles copy (the check below is not vacuous)', () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        'monitoring/alertmanager/docker-entrypoint.sh',
        'services/frontend/nginx/entrypoint/18-frontend-config.envsh',
      ]),
    );
  });

  it.skipIf(shellcheckMissing !== undefined).each(scripts)('%s passes shellcheck', (file) => {
    // POSIX sh: what the images run them with (dash, or sourced by the nginx entrypoint).
    const result = spawnSync('shellcheck', ['--shell=sh', '--severity=style', file], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.stdout + result.stderr, file).toBe('');
    expect(result.status, file).toBe(0);
  });

  it.each(scripts)('%s is checked out with LF line endings on every platform (.gitattributes)', (file) => {
    const attributes = execFileSync('git', ['check-attr', 'text', 'eol', '--', file], { cwd: repoRoot, encoding: 'utf8' });
    expect(attributes).toContain(`${file}: text: set`);
    expect(attributes).toContain(`${file}: eol: lf`);
  });
});

describe('PostgreSQL roles and secrets', () => {
  const rolesSql = readFileSync(path.join(composeDir, 'db-roles/db-roles.sql'), 'utf8');
  const secretsScript = readFileSync(path.join(composeDir, 'secrets-init/secrets-init.sh'), 'utf8');
  const environment = services().flatMap(([, name, svc]) =>
    Object.entries(svc.environment ?? {}).map(([key, value]) => ({ name, key, value: String(value) })),
  );

  it('connects every service as a role db-roles creates, never as the superuser', () => {
    const users = environment.filter(({ key }) => ['DB_USER', 'DATA_SOURCE_USER'].includes(key));
    expect(users.map(({ name }) => name).sort()).toEqual(['api', 'migrate', 'postgres-exporter']);
    for (const { name, value } of users) {
      expect(value, name).not.toBe(service('db').environment?.POSTGRES_USER);
      expect(rolesSql, name).toContain(`ALTER ROLE ${value} WITH LOGIN NOSUPERUSER`);
    }
  });

  it('reads every password file from the list secrets-init writes', () => {
    const listed = new Set([...secretsScript.matchAll(/^(\w+)\s+\d+\s+\S+$/gm)].map((match) => match[1]));
    const referenced = environment.map(({ value }) => /^\/run\/app-secrets\/(\w+)$/.exec(value)?.[1]).filter((name) => name !== undefined);
    expect(referenced.length).toBeGreaterThanOrEqual(5);
    for (const name of referenced) expect(listed, name).toContain(name);
  });

  it('passes no secret through a variable in any service configuration', () => {
    const secretKeys = environment.filter(({ key }) => /PASSWORD|PASS|SECRET|TOKEN/.test(key));
    expect(secretKeys.length).toBeGreaterThanOrEqual(5);
    for (const { name, key } of secretKeys) expect(`${name} ${key}`).toMatch(/_FILE$/);
  });
});

describe('the public entry point', () => {
  it('starts without waiting for the API, so it can show the error banner while the API is down', () => {
    expect(dependencyCondition(service('frontend'), 'api')).toBeUndefined();
  });

  it('has a CPU limit for nginx to size its workers from', () => {
    expect(Number(service('frontend').deploy?.resources?.limits?.cpus)).toBeGreaterThan(0);
  });
});

describe('the API', () => {
  it('gets a stop_grace_period longer than its drain delay plus its shutdown timeout, so SIGKILL never cuts a drain short', () => {
    const compose = parse(readFileSync(path.join(composeDir, 'app.yaml'), 'utf8')) as {
      services: { api: { stop_grace_period: string; environment: Record<string, string | number> } };
    };
    const { stop_grace_period: grace, environment } = compose.services.api;
    expect(grace).toMatch(/^\d+s$/);
    const drainAndTimeout = Number(environment.SHUTDOWN_DRAIN_DELAY_MS) + Number(environment.SHUTDOWN_TIMEOUT_MS);
    expect(drainAndTimeout).not.toBeNaN();
    expect(Number.parseInt(grace, 10) * 1000).toBeGreaterThan(drainAndTimeout);
  });
});
