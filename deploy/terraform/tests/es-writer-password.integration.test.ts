import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { image } from '@observable-todo/test-support/images';
import { repoRoot } from '@observable-todo/test-support/repo';

/**
 * The two-host layout's shared Elasticsearch writer password
 * (compose/es-writer-password.yaml): the seed job and the real secrets-init run
 * by Compose with each host's override, on a fresh app-secrets volume, the way
 * observable-todo.service starts them. Both hosts must end with the password
 * the SSM secret file holds: the monitoring host's elasticsearch-setup sets it
 * for todo_log_writer, the app host's Fluent Bit logs in with it.
 */

const POSTGRES_IMAGE = image('POSTGRES_IMAGE');
// As observable-todo.service runs Compose: the overrides lie outside deploy/compose/, whose .env holds the images.
const ENV_FILE = ['--env-file', 'deploy/compose/.env'];
const docker = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('docker', args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
const reason =
  docker(['compose', 'version']).status !== 0
    ? 'no `docker compose` here'
    : docker(['image', 'inspect', POSTGRES_IMAGE]).status !== 0
      ? `image ${POSTGRES_IMAGE} is not available (run /work/shared/sandbox/images postgres)`
      : undefined;
if (reason) console.warn(`[skipped] es-writer-password tests: ${reason}`);

const PASSWORD = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
let dir = '';
let secretFile = '';

function up(host: 'app' | 'monitoring', project: string): { code: number | null; out: string } {
  const env = {
    IMAGE_TAG: process.env.IMAGE_TAG ?? 'i10-twohost',
    OBSERVABLE_TODO_APP_HOST_IP: '10.42.1.10',
    OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20',
    // deploy.sh writes ./secrets/<file>, relative to deploy/compose/; here a temporary file.
    ES_WRITER_PASSWORD_FILE: path.relative(path.join(repoRoot, 'deploy/compose'), secretFile),
  };
  const run = docker(
    [
      'compose',
      ...ENV_FILE,
      '-p',
      project,
      '-f',
      'compose.yaml',
      '-f',
      `deploy/terraform/compose/${host}-host.yaml`,
      'up',
      '--no-log-prefix',
      'secrets-init',
    ],
    env,
  );
  const code = docker(['inspect', '-f', '{{.State.ExitCode}}', `${project}-secrets-init-1`]).stdout.trim();
  // Compose attaches to the named service only: the seed's own words are in its log.
  const seed = docker(['logs', `${project}-es-writer-password-seed-1`]);
  return { code: run.status === 0 && code === '0' ? 0 : 1, out: run.stdout + run.stderr + seed.stdout + seed.stderr };
}

function readVolume(project: string, file: string): string {
  const run = docker(['run', '--rm', '-v', `${project}_app-secrets:/s:ro`, '--entrypoint', 'cat', POSTGRES_IMAGE, `/s/${file}`]);
  return run.status === 0 ? run.stdout : `<unreadable: ${run.stderr.trim()}>`;
}

const projects = ['app', 'monitoring'].map((h) => `i10-twohost-seed-${h}-${process.pid}`);

describe.skipIf(reason !== undefined)('shared Elasticsearch writer password on two hosts', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'es-writer-'));
    chmodSync(dir, 0o755);
    secretFile = path.join(dir, 'es_writer_password');
    // As deploy.sh writes it: the value and a newline, 0600.
    writeFileSync(secretFile, `${PASSWORD}\n`, { mode: 0o600 });
  });

  afterAll(() => {
    for (const [i, host] of (['app', 'monitoring'] as const).entries()) {
      const env = {
        OBSERVABLE_TODO_APP_HOST_IP: '10.42.1.10',
        OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20',
        ES_WRITER_PASSWORD_FILE: path.relative(path.join(repoRoot, 'deploy/compose'), secretFile),
      };
      docker(
        [
          'compose',
          ...ENV_FILE,
          '-p',
          projects[i]!,
          '-f',
          'compose.yaml',
          '-f',
          `deploy/terraform/compose/${host}-host.yaml`,
          'down',
          '-v',
        ],
        env,
      );
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("both hosts' secrets-init end with the SSM value, and the app host's Fluent Bit file carries it", () => {
    for (const [i, host] of (['app', 'monitoring'] as const).entries()) {
      const run = up(host, projects[i]!);
      expect(run.code, run.out).toBe(0);
      expect(readVolume(projects[i]!, 'es_writer_password'), host).toBe(PASSWORD);
    }
    expect(readVolume(projects[0]!, 'fluent-bit-secrets.yaml')).toBe(`env:\n  ES_WRITER_PASSWORD: "${PASSWORD}"\n`);
  });

  it('a new value in SSM replaces the password and the file derived from it on the next start', () => {
    const next = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
    writeFileSync(secretFile, `${next}\n`, { mode: 0o600 });
    const run = up('app', projects[0]!);
    expect(run.code, run.out).toBe(0);
    expect(readVolume(projects[0]!, 'es_writer_password')).toBe(next);
    expect(readVolume(projects[0]!, 'fluent-bit-secrets.yaml')).toContain(`"${next}"`);
  });

  it('a value that cannot go into the Fluent Bit file stops the start with the reason and changes nothing', () => {
    const before = readVolume(projects[0]!, 'es_writer_password');
    writeFileSync(secretFile, 'has"quote-and-is-long-enough\n', { mode: 0o600 });
    const run = up('app', projects[0]!);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('the password may hold only A-Z a-z 0-9 _ . -');
    expect(readVolume(projects[0]!, 'es_writer_password')).toBe(before);
  });

  it('refuses to render without the secret, naming the README', () => {
    const run = docker(
      ['compose', ...ENV_FILE, '-p', 'seed-check', '-f', 'compose.yaml', '-f', 'deploy/terraform/compose/app-host.yaml', 'config', '-q'],
      {
        OBSERVABLE_TODO_APP_HOST_IP: '10.42.1.10',
        OBSERVABLE_TODO_MONITORING_HOST_IP: '10.42.1.20',
        ES_WRITER_PASSWORD_FILE: '',
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('two hosts need the es-writer-password SSM secret');
  });
});
