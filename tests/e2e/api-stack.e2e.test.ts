import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { image } from '@observable-todo/test-support/images';
import { dashboardExprs, dashboards, ruleFiles } from '@observable-todo/test-support/monitoring-files';
import { docker } from '@observable-todo/test-support/docker';
import { mappedUrl, publishedUrl, startStack, stopStack, v8HeapLimitBytes } from '@observable-todo/test-support/compose-stack';

/**
 * The API image and deploy/compose/app.yaml as a user runs them, with the debug
 * override (deploy/compose/debug.yaml) that publishes the API's own port, with
 * postgres-exporter from metrics.yaml (the other client of the database), and a
 * Grafana admin password chosen through GRAFANA_ADMIN_PASSWORD_FILE.
 */
let stack: StartedDockerComposeEnvironment;
let api: string;
let project: string;
const secretsDir = mkdtempSync(join(tmpdir(), 'todo-e2e-secrets-'));
const chosenGrafanaPassword = `chosen-${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  const passwordFile = join(secretsDir, 'grafana_admin_password');
  // Private to its owner, as a password file on a host should be.
  writeFileSync(passwordFile, `${chosenGrafanaPassword}\n`, { mode: 0o600 });
  stack = await startStack({
    files: ['compose.yaml', 'deploy/compose/debug.yaml'],
    services: ['db', 'api', 'postgres-exporter'],
    env: { GRAFANA_ADMIN_PASSWORD_FILE: passwordFile },
  });
  api = mappedUrl(stack, 'api-1', 8000);
  project = await inspect('api-1', '{{index .Config.Labels "com.docker.compose.project"}}');
});

afterAll(async () => {
  await stopStack(stack);
  rmSync(secretsDir, { recursive: true, force: true });
});

/** psql as the image's superuser over the db container's local socket: the tests' own view, no password needed. */
async function sql(query: string): Promise<string> {
  return (
    await docker(
      'exec',
      stack.getContainer('db-1').getId(),
      'psql',
      '-U',
      'todo',
      '-d',
      'todo',
      '-v',
      'ON_ERROR_STOP=1',
      '-AXqt',
      '-c',
      query,
    )
  ).trim();
}

/** The error psql reports for a statement run with a role's privileges (SET ROLE), or '' when it succeeded. */
async function sqlErrorAs(role: string, statement: string): Promise<string> {
  try {
    await sql(`SET ROLE ${role}; ${statement}`);
    return '';
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? 'failed';
  }
}

/** A one-shot service's container (exited, so not among Testcontainers' started ones). */
async function oneShot(service: string): Promise<string> {
  const id = (
    await docker(
      'ps',
      '--all',
      '--quiet',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    )
  ).trim();
  expect(id, service).toMatch(/^[0-9a-f]+$/);
  return id;
}

/** Starts an exited one-shot container again, as the next `docker compose up` would; its exit code. */
async function rerun(service: string): Promise<number> {
  const id = await oneShot(service);
  await docker('start', '--attach', id).catch(() => undefined);
  return Number((await docker('inspect', '--format', '{{.State.ExitCode}}', id)).trim());
}

/** Runs a shell command as root over the secrets volume, in a throwaway container. */
async function onSecretsVolume(command: string): Promise<string> {
  return docker('run', '--rm', '--network', 'none', '-v', `${project}_app-secrets:/secrets`, image('POSTGRES_IMAGE'), 'sh', '-c', command);
}

/** Roles, memberships, owners, grants and default privileges: what db-roles manages. */
function privilegesSnapshot(): Promise<string> {
  return sql(`
    SELECT string_agg(line, E'\n' ORDER BY line) FROM (
      SELECT format('role %s super=%s login=%s inherit=%s createrole=%s createdb=%s',
          rolname, rolsuper, rolcanlogin, rolinherit, rolcreaterole, rolcreatedb) AS line
        FROM pg_roles WHERE rolname LIKE 'todo%'
      UNION ALL SELECT format('member %s of %s', m.member::regrole, m.roleid::regrole)
        FROM pg_auth_members m WHERE m.member::regrole::text LIKE 'todo%'
      UNION ALL SELECT format('rel %s owner=%s acl=%s', relname, relowner::regrole, relacl)
        FROM pg_class WHERE relnamespace = 'public'::regnamespace
      UNION ALL SELECT format('schema acl=%s', nspacl) FROM pg_namespace WHERE nspname = 'public'
      UNION ALL SELECT format('default %s %s', defaclobjtype, defaclacl) FROM pg_default_acl
      UNION ALL SELECT format('rolpassword %s', rolname) FROM pg_authid WHERE rolname LIKE 'todo%' AND rolpassword IS NOT NULL
    ) AS lines`);
}

async function inspect(container: string, format: string): Promise<string> {
  return (await docker('inspect', '--format', format, stack.getContainer(container).getId())).trim();
}

describe('the API container from deploy/compose/app.yaml', () => {
  it('is healthy and ready with a migrated database', async () => {
    expect(await inspect('api-1', '{{.State.Health.Status}}')).toBe('healthy');
    const ready = await fetch(`${api}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up', schema: 'up' } });
  });

  it('stores and serves todos through its published port', async () => {
    const created = await fetch(`${api}/api/todos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'e2e-create-1' },
      body: JSON.stringify({ title: 'from the e2e suite' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('e2e-create-1');
    const list = (await (await fetch(`${api}/api/todos`)).json()) as { total: number; items: { title: string }[] };
    expect(list.items.map((todo) => todo.title)).toContain('from the e2e suite');
  });

  it('writes ECS JSON lines to stdout, carrying the request id', async () => {
    // Lines reach stdout in batches, at the latest LOG_FLUSH_INTERVAL_MS (100 ms) after they are written.
    const line = await pollUntil(
      async () =>
        (await docker('logs', stack.getContainer('api-1').getId()))
          .split('\n')
          .filter((text) => text.startsWith('{'))
          .map((text) => JSON.parse(text) as Record<string, unknown>)
          .find((entry) => entry['http.request.id'] === 'e2e-create-1'),
      (found) => found !== undefined,
      { timeoutMs: 5_000, what: 'the access line of e2e-create-1' },
    );
    expect(line).toMatchObject({
      'log.level': 'info',
      'http.request.method': 'POST',
      'url.path': '/api/todos',
      'http.response.status_code': 201,
      'service.name': 'todo-api',
    });
  });

  it('runs as a non-root user on a read-only root file system with no capabilities', async () => {
    for (const container of ['api-1', 'db-1']) {
      expect(await inspect(container, '{{.HostConfig.ReadonlyRootfs}}')).toBe('true');
      expect(await inspect(container, '{{json .HostConfig.SecurityOpt}}')).toContain('no-new-privileges:true');
      expect(await inspect(container, '{{json .HostConfig.CapDrop}}')).toContain('ALL');
      expect(Number(await inspect(container, '{{.HostConfig.Memory}}'))).toBeGreaterThan(0);
    }
    expect((await docker('exec', stack.getContainer('api-1').getId(), 'id', '-u')).trim()).toBe('10001');
  });

  it('keeps the database password out of the environment and the image', async () => {
    const password = (await docker('exec', stack.getContainer('api-1').getId(), 'cat', '/run/app-secrets/db_api_password')).trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    for (const container of ['api-1', 'db-1']) {
      expect(await inspect(container, '{{json .Config.Env}}')).not.toContain(password);
    }
    expect(await docker('image', 'history', '--no-trunc', await inspect('api-1', '{{.Config.Image}}'))).not.toContain(password);
    expect(await docker('logs', stack.getContainer('api-1').getId())).not.toContain(password);
  });

  it('sizes the V8 heap to half the container memory limit, so garbage collection answers a surge before the OOM killer', async () => {
    const limit = Number(await inspect('api-1', '{{.HostConfig.Memory}}'));
    const heapLimit = await v8HeapLimitBytes(stack.getContainer('api-1').getId());
    expect(limit).toBeGreaterThan(0);
    // Left to itself, V8 would take about the whole limit (259 MiB of 256 MiB).
    expect(heapLimit).toBeGreaterThan(limit * 0.4);
    expect(heapLimit).toBeLessThan(limit * 0.6);
  });

  it('publishes ports on 127.0.0.1 only', async () => {
    const bindings = JSON.parse(await inspect('api-1', '{{json .HostConfig.PortBindings}}')) as Record<string, { HostIp: string }[]>;
    const hostIps = Object.values(bindings)
      .flat()
      .map((binding) => binding.HostIp);
    expect(hostIps.length).toBeGreaterThan(0);
    expect(new Set(hostIps)).toEqual(new Set(['127.0.0.1']));
  });

  it('stops on SIGTERM with exit code 0 and keeps the data for the next start', async () => {
    const id = stack.getContainer('api-1').getId();
    await docker('stop', id);
    expect(await inspect('api-1', '{{.State.ExitCode}}')).toBe('0');
    const logs = await docker('logs', id);
    expect(logs).toContain('"event.action":"shutdown-complete"');

    await docker('start', id);
    const base = await publishedUrl(id, 8000);
    await pollUntil(
      () => fetch(`${base}/health/ready`).then((response) => response.status),
      (status) => status === 200,
      {
        timeoutMs: 60_000,
        what: 'API ready after its restart',
      },
    );
    const list = (await (await fetch(`${base}/api/todos`)).json()) as { items: { title: string }[] };
    expect(list.items.map((todo) => todo.title)).toContain('from the e2e suite');
  });
  it('gives each secret file to its one reader: the API can read no password but its own, the logging passwords included', async () => {
    const listing = await onSecretsVolume('cd /secrets && stat -c "%n %u %a" * | sort');
    expect(listing.trim().split('\n')).toEqual([
      'db_api_password 10001 400',
      'db_monitor_password 65534 400',
      'db_owner_password 1001 400',
      'db_password 999 400',
      'elastic_password 1000 400',
      'es-exporter.yml 65534 400',
      'es_monitor_password 65534 400',
      'es_reader_password 472 400',
      'es_writer_password 0 400',
      'fluent-bit-secrets.yaml 0 400',
      'grafana_admin_password 472 400',
      'kibana_encryption_keys 1000 400',
      'kibana_system_password 1000 400',
    ]);
    const apiId = stack.getContainer('api-1').getId();
    const others = listing
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter((file) => file !== 'db_api_password');
    expect(others).toHaveLength(12);
    for (const file of others) {
      await expect(docker('exec', apiId, 'cat', `/run/app-secrets/${file}`), file).rejects.toThrow(/Permission denied/);
    }
  });
});

describe('PostgreSQL roles (db-roles)', () => {
  it('connects the API as todo_api, which is no superuser and owns nothing', async () => {
    expect(await inspect('api-1', '{{json .Config.Env}}')).toContain('"DB_USER=todo_api"');
    // The connections the API opened (its pool names itself), not what its config says:
    // a request first, so the pool holds one (the API was restarted above).
    const base = await publishedUrl(stack.getContainer('api-1').getId(), 8000);
    expect((await fetch(`${base}/api/todos`)).status).toBe(200);
    expect(await sql("SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'todo-api'")).toBe('todo_api');
    expect(await sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'todo_api'")).toBe('f');
    expect(await sql("SELECT count(*) FROM pg_class WHERE relowner = 'todo_api'::regrole")).toBe('0');
  });

  it('lets the API role read and write rows but not drop, alter or create tables', async () => {
    expect(await sqlErrorAs('todo_api', 'SELECT count(*) FROM todos; SELECT count(*) FROM schema_migrations')).toBe('');
    expect(
      await sqlErrorAs(
        'todo_api',
        "BEGIN; INSERT INTO todos (title) VALUES ('rights check'); DELETE FROM todos WHERE title = 'rights check'; ROLLBACK",
      ),
    ).toBe('');
    expect(await sqlErrorAs('todo_api', 'DROP TABLE todos')).toMatch(/must be owner of table todos/);
    expect(await sqlErrorAs('todo_api', 'ALTER TABLE todos ADD COLUMN x int')).toMatch(/must be owner of table todos/);
    expect(await sqlErrorAs('todo_api', 'TRUNCATE todos')).toMatch(/permission denied/);
    expect(await sqlErrorAs('todo_api', 'CREATE TABLE intruder (id int)')).toMatch(/permission denied for schema public/);
    expect(await sql('SELECT count(*) FROM todos')).not.toBe('');
  });

  it('has the migrations run by the owner role, which owns the schema objects', async () => {
    expect(await inspect('api-1', '{{json .Config.Env}}')).toContain('"MIGRATE_ON_START=false"');
    expect(await sql("SELECT DISTINCT relowner::regrole FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toBe('todo_owner');
    expect(await sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'todo_owner'")).toBe('f');
    expect((await docker('logs', await oneShot('migrate'))).toString()).toContain('migrations done (1 applied)');
  });

  it('gives postgres-exporter a pg_monitor role with no table rights, and it scrapes with it', async () => {
    expect(
      await sql("SELECT pg_has_role('todo_monitor', 'pg_monitor', 'member'), rolsuper FROM pg_roles WHERE rolname = 'todo_monitor'"),
    ).toBe('t|f');
    expect(
      await sql(
        "SELECT count(*) FROM pg_class c, unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p " +
          "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND has_table_privilege('todo_monitor', c.oid, p)",
      ),
    ).toBe('0');
    expect(await sqlErrorAs('todo_monitor', 'SELECT count(*) FROM todos')).toMatch(/permission denied for table todos/);
    const exporter = stack.getContainer('postgres-exporter-1').getId();
    const metrics = await pollUntil(
      () => docker('exec', exporter, 'wget', '-q', '-O', '-', 'http://localhost:9187/metrics'),
      (text) => /^pg_up 1$/m.test(text),
      { timeoutMs: 30_000, what: 'pg_up 1 from postgres-exporter' },
    );
    expect(metrics).toMatch(/^pg_stat_database_xact_commit\{[^}]*datname="todo"/m);
    // Every PostgreSQL series the dashboards and alert rules use, as the monitor role sees it.
    const used = new Set(
      [
        ...dashboards().flatMap((d) => dashboardExprs(d.json)),
        ...ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => r.expr))),
      ].flatMap((expr) => expr.match(/\bpg_[a-z_]+/g) ?? []),
    );
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(metrics, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
  });

  it('changes nothing when db-roles runs again, and the API keeps serving', async () => {
    const before = await privilegesSnapshot();
    expect(before).toContain('role todo_api super=f login=t');
    expect(await rerun('db-roles')).toBe(0);
    expect(await privilegesSnapshot()).toBe(before);
    const base = await publishedUrl(stack.getContainer('api-1').getId(), 8000);
    expect((await fetch(`${base}/api/todos`)).status).toBe(200);
  });

  it('hands tables the superuser created on an existing volume to the owner, with the API rights', async () => {
    // What a volume from before these roles looks like: the superuser owns the tables.
    await sql('CREATE TABLE legacy_by_superuser (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)');
    expect(await rerun('db-roles')).toBe(0);
    expect(await sql("SELECT relowner::regrole FROM pg_class WHERE relname = 'legacy_by_superuser'")).toBe('todo_owner');
    expect(await sqlErrorAs('todo_api', 'INSERT INTO legacy_by_superuser DEFAULT VALUES')).toBe('');
    await sql('DROP TABLE legacy_by_superuser');
  });
});

describe('secrets-init', () => {
  it('takes a chosen Grafana password from a file and leaves it in no container configuration', async () => {
    expect((await onSecretsVolume('cat /secrets/grafana_admin_password')).trim()).toBe(chosenGrafanaPassword);
    const containers = (await docker('ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`))
      .trim()
      .split('\n');
    expect(containers.length).toBeGreaterThanOrEqual(6);
    for (const id of containers) {
      expect(await docker('inspect', id), id).not.toContain(chosenGrafanaPassword);
    }
    expect(await docker('logs', await oneShot('secrets-init'))).not.toContain(chosenGrafanaPassword);
  });

  it('starts again over a read-only leftover *.new file and keeps the existing passwords', async () => {
    const before = await onSecretsVolume('cat /secrets/db_password');
    // What an interrupted run of the former script left: read-only temp files, one of them for a missing secret.
    await onSecretsVolume(
      [
        'printf stale > /secrets/db_password.new',
        'rm /secrets/grafana_admin_password',
        'printf stale > /secrets/grafana_admin_password.new',
        'chmod 0444 /secrets/*.new',
      ].join(' && '),
    );
    expect(await rerun('secrets-init')).toBe(0);
    expect(await onSecretsVolume('cat /secrets/db_password')).toBe(before);
    expect((await onSecretsVolume('ls -A /secrets')).trim().split('\n')).not.toContain('db_password.new');
    expect((await onSecretsVolume('ls -A /secrets')).trim().split('\n')).not.toContain('grafana_admin_password.new');
    expect((await onSecretsVolume('cat /secrets/grafana_admin_password')).trim()).toBe(chosenGrafanaPassword);
  });
});
