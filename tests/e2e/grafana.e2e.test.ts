import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { image } from '@observable-todo/test-support/images';
import { dashboards } from '@observable-todo/test-support/monitoring-files';
import { docker } from '@observable-todo/test-support/docker';
import { mappedUrl, startStack, stopStack } from '@observable-todo/test-support/compose-stack';
import { imageAvailability } from '@observable-todo/test-support/image-availability';

/**
 * Grafana as provisioned by deploy/compose/dashboards.yaml. Runs wherever the
 * image can be had; elsewhere it is reported as skipped, with the reason.
 */
const GRAFANA_IMAGE = image('GRAFANA_IMAGE');
const availability = await imageAvailability(GRAFANA_IMAGE);
if (!availability.ok) console.warn(`[skipped] Grafana e2e: ${availability.reason}`);

describe.skipIf(!availability.ok)(`Grafana (${GRAFANA_IMAGE})`, () => {
  let stack: StartedDockerComposeEnvironment;
  let grafana: string;
  let authorization: string;

  beforeAll(async () => {
    stack = await startStack({ files: ['compose.yaml'], services: ['grafana', 'prometheus', 'alertmanager'] });
    grafana = mappedUrl(stack, 'grafana-1', 3000);
    const password = (
      await docker('exec', stack.getContainer('grafana-1').getId(), 'cat', '/run/app-secrets/grafana_admin_password')
    ).trim();
    authorization = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  });

  afterAll(async () => {
    await stopStack(stack);
  });

  const get = (path: string, auth = true) => fetch(`${grafana}${path}`, { headers: auth ? { Authorization: authorization } : {} });

  it('refuses anonymous users and the default admin/admin', async () => {
    expect((await get('/api/search', false)).status).toBe(401);
    const defaultLogin = await fetch(`${grafana}/api/search`, {
      headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    });
    expect(defaultLogin.status).toBe(401);
  });

  it('has the provisioned data sources, and they are healthy', async () => {
    for (const uid of ['prometheus', 'alertmanager']) {
      const health = await get(`/api/datasources/uid/${uid}/health`);
      expect(health.status, uid).toBe(200);
      expect(await health.json(), uid).toMatchObject({ status: 'OK' });
    }
  });

  it('installed no plugin from grafana.com at boot and reports preinstall as disabled', async () => {
    const settings = (await (await get('/api/admin/settings')).json()) as Record<string, Record<string, string>>;
    expect(settings.plugins).toMatchObject({ preinstall_disabled: 'true', preinstall_auto_update: 'false' });
    // Everything a boot could have installed lands in the plugins directory of the data volume.
    const installed = await docker(
      'exec',
      stack.getContainer('grafana-1').getId(),
      'sh',
      '-c',
      'ls -A /var/lib/grafana/plugins 2>/dev/null || true',
    );
    expect(installed.trim()).toBe('');
    const logs = await docker('logs', stack.getContainer('grafana-1').getId());
    expect(logs).not.toMatch(/Installing plugin|plugin\.backgroundinstaller/);
  });

  it('has every dashboard from monitoring/grafana/dashboards', async () => {
    const found = (await (await get('/api/search?type=dash-db')).json()) as { uid: string }[];
    const expected = dashboards().map((d) => d.json.uid as string);
    expect(found.map((d) => d.uid).sort()).toEqual([...expected].sort());
  });
});
