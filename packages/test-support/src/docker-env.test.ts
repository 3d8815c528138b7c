import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerEnv } from './docker-env.js';
import { parseCompose, repoRoot } from './repo.js';

// The settings the k6 service takes from the invoking shell (`BASE_URL: ${BASE_URL:-}` and the rest).
const k6Service = parseCompose<{ services: { k6: { environment: Record<string, string> } } }>(
  readFileSync(path.join(repoRoot, 'deploy/compose/loadtest.yaml'), 'utf8'),
).services.k6.environment;
const k6Settings = Object.values(k6Service).flatMap((value) => [...String(value).matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));

describe('dockerEnv', () => {
  it('reads the k6 settings from loadtest.yaml (the list this file checks against)', () => {
    expect(k6Settings).toEqual(expect.arrayContaining(['BASE_URL', 'CHAOS_BASE_URL', 'LOAD_RATE', 'THINK_TIME_SECONDS']));
  });

  it("hands compose none of the test runner's variables: Vitest sets BASE_URL=/, which k6 would get as its target", () => {
    // This process is a Vitest worker: its environment is the one an e2e test would hand on.
    const env = dockerEnv({ K6_RESULTS_DIR: '/tmp/results' });
    for (const name of ['BASE_URL', 'MODE', 'NODE_ENV', 'VITEST', 'TEST', 'DEV', 'SSR']) expect(env[name], name).toBeUndefined();
    expect(env.K6_RESULTS_DIR).toBe('/tmp/results');
  });

  it("passes on no k6 setting from the shell, only those given: a developer's LOAD_RATE must not change the test's run", () => {
    const shell = Object.fromEntries(k6Settings.map((name) => [name, 'from-the-shell']));
    const env = dockerEnv({ THINK_TIME_SECONDS: '0.1' }, { ...shell, PATH: '/usr/bin' });
    expect(Object.keys(env).sort()).toEqual(['PATH', 'THINK_TIME_SECONDS']);
    expect(env.THINK_TIME_SECONDS).toBe('0.1');
  });

  it('keeps what the docker CLI needs to find the engine, its configuration and its plugins', () => {
    const needed = {
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/dev',
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      DOCKER_CONFIG: '/home/dev/.docker',
      DOCKER_CONTEXT: 'rootless',
      DOCKER_CERT_PATH: '/certs',
      DOCKER_TLS_VERIFY: '1',
      XDG_RUNTIME_DIR: '/run/user/1000',
      XDG_CONFIG_HOME: '/home/dev/.config',
      HTTPS_PROXY: 'http://proxy:3128',
      NO_PROXY: 'localhost',
      TMPDIR: '/var/tmp',
    };
    expect(dockerEnv({}, { ...needed, BASE_URL: '/', EDITOR: 'vi' })).toEqual(needed);
  });
});
