import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { composeDown, isActiveEndpointsError, recoverRefusedNetworks, removeProjectNetworks } from './compose-networks.js';
import { image } from './images.js';

const execFileAsync = promisify(execFile);
const docker = async (...args: string[]) => (await execFileAsync('docker', args)).stdout.trim();

// Any local image with a shell will do; this one is on every machine the suites run on.
const IMAGE = image('DEBIAN_IMAGE');

describe('removeProjectNetworks: the teardown after compose down refused a network', () => {
  const project = `todo-netrm-${randomUUID().slice(0, 8)}`;
  const network = `${project}_default`;
  let container = '';

  afterAll(async () => {
    if (container) await docker('rm', '--force', container).catch(() => undefined);
    await docker('network', 'rm', network).catch(() => undefined);
  });

  it('force-disconnects the endpoint the daemon still holds, removes the network and names what it disconnected', async () => {
    await docker('network', 'create', '--label', `com.docker.compose.project=${project}`, network);
    container = await docker('run', '--detach', '--network', network, '--name', `${project}-left-1`, IMAGE, 'sleep', 'infinity');

    // The state compose down stops at: the daemon refuses, naming active endpoints.
    const refused = await docker('network', 'rm', network).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isActiveEndpointsError(refused)).toBe(true);

    const disconnected = await removeProjectNetworks(project, { timeoutMs: 10_000 });

    expect(disconnected).toEqual([`${network}: ${project}-left-1`]);
    expect(await docker('network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).toBe('');
  });

  it('leaves other projects alone and does nothing when the project has no network left', async () => {
    const other = `todo-netrm-other-${randomUUID().slice(0, 8)}`;
    await docker('network', 'create', '--label', `com.docker.compose.project=${other}`, `${other}_default`);
    try {
      expect(await removeProjectNetworks(`${project}-none`, { timeoutMs: 5_000 })).toEqual([]);
      expect(await docker('network', 'ls', '--quiet', '--filter', `name=${other}_default`)).not.toBe('');
    } finally {
      await docker('network', 'rm', `${other}_default`);
    }
  });

  it('recoverRefusedNetworks removes the network and warns, naming the project and the endpoint it disconnected', async () => {
    const again = `${project}-again`;
    await docker('network', 'create', '--label', `com.docker.compose.project=${again}`, `${again}_default`);
    const left = await docker(
      'run',
      '--detach',
      '--rm',
      '--network',
      `${again}_default`,
      '--name',
      `${again}-left-1`,
      IMAGE,
      'sleep',
      'infinity',
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await recoverRefusedNetworks(again, { timeoutMs: 10_000 });
      expect(warn.mock.calls).toEqual([
        [
          expect.stringMatching(
            new RegExp(`${again}'s network outlived compose down; .*disconnecting: ${again}_default: ${again}-left-1$`),
          ),
        ],
      ]);
      expect(await docker('network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${again}`)).toBe('');
    } finally {
      warn.mockRestore();
      await docker('rm', '--force', left).catch(() => undefined);
    }
  });

  it('tells the refusal apart from other failures', () => {
    expect(isActiveEndpointsError(new Error('error while removing network: network x_default id 2da9 has active endpoints'))).toBe(true);
    expect(isActiveEndpointsError(new Error('No such container: x'))).toBe(false);
    expect(isActiveEndpointsError('has active endpoints')).toBe(false);
  });
});

describe('composeDown: a real compose project', () => {
  const project = `todo-netrm-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'todo-compose-down-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, `services:\n  sleeper:\n    image: ${IMAGE}\n    command: [sleep, infinity]\n    init: true\n`);
  const compose = (...args: string[]) => execFileAsync('docker', ['compose', '-p', project, '-f', file, ...args]);
  let outsider = '';

  afterAll(async () => {
    if (outsider) await docker('rm', '--force', outsider).catch(() => undefined);
    await compose('down', '--volumes').catch(() => undefined);
    await docker('network', 'rm', `${project}_default`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes the network Compose left to an outside container (skipped as "still in use" with exit 0, or refused) and warns', async () => {
    await compose('up', '--detach');
    // A container of no compose project on the project's network: Compose leaves the network to it.
    outsider = await docker('run', '--detach', '--rm', '--network', `${project}_default`, IMAGE, 'sleep', 'infinity');
    // Compose since docker/compose#10555 (2023) skips the network and exits 0 (2.40 here); older ones fail on the engine's refusal.
    const plain = await compose('down', '--volumes').then(
      ({ stderr }) => stderr,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(plain).toMatch(/Resource is still in use|has active endpoints/);
    expect(await docker('network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).not.toBe('');

    await compose('up', '--detach');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await composeDown(project, () => compose('down', '--volumes'), { timeoutMs: 10_000 });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain(`${project}'s network outlived compose down`);
    } finally {
      warn.mockRestore();
    }
    expect(await docker('network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).toBe('');
    expect(await docker('ps', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).toBe('');
  });

  it("throws what `down` threw when it is not the engine's refusal", async () => {
    await expect(composeDown(project, () => Promise.reject(new Error('no such service: nope')))).rejects.toThrow('no such service: nope');
  });
});
