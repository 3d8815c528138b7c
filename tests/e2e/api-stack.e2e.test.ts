import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { docker, mappedUrl, publishedUrl, startStack, v8HeapLimitBytes } from './support/compose-stack.js';

/** The API image and deploy/compose/app.yaml as a user runs them. */
let stack: StartedDockerComposeEnvironment;
let api: string;

beforeAll(async () => {
  stack = await startStack({ files: ['deploy/compose/app.yaml'], services: ['db', 'api'] });
  api = mappedUrl(stack, 'api-1', 8000);
});

afterAll(async () => {
  await stack?.down({ removeVolumes: true });
});

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
    const logs = await docker('logs', stack.getContainer('api-1').getId());
    const line = logs
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry['http.request.id'] === 'e2e-create-1');
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
    expect((await docker('exec', stack.getContainer('api-1').getId(), 'id', '-u')).trim()).toBe('1000');
  });

  it('keeps the database password out of the environment and the image', async () => {
    const password = (await docker('exec', stack.getContainer('api-1').getId(), 'cat', '/run/app-secrets/db_password')).trim();
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
    const hostIps = Object.values(bindings).flat().map((binding) => binding.HostIp);
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
    await pollUntil(() => fetch(`${base}/health/ready`).then((response) => response.status), (status) => status === 200, {
      timeoutMs: 60_000,
      what: 'API ready after its restart',
    });
    const list = (await (await fetch(`${base}/api/todos`)).json()) as { items: { title: string }[] };
    expect(list.items.map((todo) => todo.title)).toContain('from the e2e suite');
  });
});
