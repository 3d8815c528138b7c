import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from './markdown.ts';

/**
 * The Terraform README's memory table: the compose files' memory limits per
 * host layout, as Compose itself merges them (`docker compose config`, with
 * the image versions' --env-file as observable-todo.service passes it), so
 * defaults, overrides and dependencies count exactly as they do on a host.
 * Needs the `docker compose` CLI (no engine): it only renders configuration.
 */

interface Service {
  restart?: string;
  profiles?: string[];
  depends_on?: Record<string, unknown>;
  deploy?: { resources?: { limits?: { memory?: string | number } } };
}
interface Config {
  services: Record<string, Service>;
}

// What deploy.sh writes into the host's .env before Compose reads the overrides:
// the other host's address and the shared secret's file. No developer variable.
const HOST_ENV = {
  OBSERVABLE_TODO_APP_HOST_IP: '10.0.0.10',
  OBSERVABLE_TODO_MONITORING_HOST_IP: '10.0.0.20',
  ES_WRITER_PASSWORD_FILE: './secrets/es_writer_password',
};

function composeConfig(root: string, override: string): Config {
  const stdout = execFileSync(
    'docker',
    [
      'compose',
      '--env-file',
      'deploy/compose/.env',
      '-p',
      'memory-docs',
      '-f',
      'compose.yaml',
      '-f',
      `deploy/terraform/compose/${override}`,
      'config',
      '--format',
      'json',
    ],
    { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...HOST_ENV } },
  );
  return JSON.parse(stdout) as Config;
}

/** The services deploy.sh starts for a role (its `services="..."` line under `role)`). */
export function roleServices(script: string, role: string): string[] {
  const match = new RegExp(`\\n  ${role}\\)\\n[^\\n]*\\n    services="([^"]*)"`).exec(script);
  if (!match) throw new Error(`deploy/terraform/files/deploy.sh has no services="..." line for ${role}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

/** What `docker compose up <services>` starts: the services and everything they depend on. */
export function closure(config: Config, services: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    if (config.services[name] === undefined) throw new Error(`deploy.sh starts ${name}, which the merged compose files do not define`);
    seen.add(name);
    for (const dependency of Object.keys(config.services[name].depends_on ?? {})) visit(dependency);
  };
  services.forEach(visit);
  return [...seen];
}

/** MiB of long-running services and of one-shot jobs (`restart: "no"`); a service without a limit is an error. */
export function sums(config: Config, names: readonly string[]): { running: number; oneShot: number; largest: string } {
  const total = { running: 0, oneShot: 0 };
  const limits: [string, number][] = [];
  for (const name of names) {
    const service = config.services[name]!;
    const mib = Number(service.deploy?.resources?.limits?.memory ?? Number.NaN) / 2 ** 20;
    if (!(mib > 0)) throw new Error(`${name} has no memory limit in the merged compose files`);
    total[service.restart === 'no' ? 'oneShot' : 'running'] += mib;
    if (service.restart !== 'no') limits.push([name, mib]);
  }
  // The long-running services of 256 MiB or more, largest first: where the sum comes from.
  const largest = limits
    .filter(([, mib]) => mib >= 256)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([name, mib]) => `${name} ${mib}`)
    .join(', ');
  return { ...total, largest };
}

/** The `terraform-memory` block. */
export function terraformMemoryTable(root: string): string {
  const script = readFileSync(join(root, 'deploy/terraform/files/deploy.sh'), 'utf8');
  const single = composeConfig(root, 'single-host.yaml');
  const app = composeConfig(root, 'app-host.yaml');
  const monitoring = composeConfig(root, 'monitoring-host.yaml');
  const rows: [string, ReturnType<typeof sums>][] = [
    // The single host starts every service that no profile holds back.
    [
      'single host',
      sums(
        single,
        Object.keys(single.services).filter((name) => !single.services[name]!.profiles?.length),
      ),
    ],
    ['app host', sums(app, closure(app, roleServices(script, 'app')))],
    ['monitoring host', sums(monitoring, closure(monitoring, roleServices(script, 'monitoring')))],
  ];
  return markdownTable(
    ['host', 'long-running services', 'one-shot jobs (at start, then exit)', 'of which 256 MiB or more (MiB)'],
    rows.map(([host, total]) => [host, `${total.running} MiB`, `${total.oneShot} MiB`, total.largest]),
  );
}
