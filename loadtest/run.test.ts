import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { image } from '@observable-todo/test-support/images';
import { SHAPE_NAMES } from './lib/shapes.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
interface K6Service {
  image: string;
  profiles: string[];
  environment: Record<string, string>;
  volumes: string[];
  read_only: boolean;
  cap_drop: string[];
  deploy: { resources: { limits: { memory: string } } };
}
const k6 = (parse(readFileSync(path.join(root, 'deploy/compose/loadtest.yaml'), 'utf8')) as { services: { k6: K6Service } }).services.k6;

describe('npm run load:<shape>', () => {
  it.each(SHAPE_NAMES)('load:%s runs that shape through loadtest/run.sh', (shape) => {
    expect(pkg.scripts[`load:${shape}`]).toBe(`sh loadtest/run.sh ${shape}`);
  });

  it('refuses an unknown shape before touching Docker', async () => {
    const failure = await run('sh', [path.join(root, 'loadtest/run.sh'), 'nonsense']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown shape 'nonsense'") });
  });

  it('passes shellcheck', async (context) => {
    const found = await run('sh', ['-c', 'command -v shellcheck']).catch(() => undefined);
    if (found === undefined) {
      // .ci/run installs it; a developer machine may lack it.
      context.skip('shellcheck is not installed');
      return;
    }
    const { stdout } = await run('shellcheck', [path.join(root, 'loadtest/run.sh')]);
    expect(stdout).toBe('');
  });
});

describe('the k6 compose service', () => {
  it('pins an exact grafana/k6 tag with the major.minor of the @types/k6 the scripts are checked against', () => {
    // The compose file names the variable; deploy/compose/.env holds the reference.
    expect(k6.image).toMatch(/^\$\{K6_IMAGE[:}]/);
    const tag = /^grafana\/k6:(\d+)\.(\d+)\.(\d+)$/.exec(image('K6_IMAGE'));
    expect(tag, image('K6_IMAGE')).not.toBeNull();
    const types = /^(\d+)\.(\d+)\.\d+$/.exec(pkg.devDependencies['@types/k6'] ?? '');
    expect(types, 'an exact @types/k6 version').not.toBeNull();
    expect(`${tag![1]}.${tag![2]}`).toBe(`${types![1]}.${types![2]}`);
  });

  it('runs only in the loadtest profile, hardened, with a memory limit, the scripts read-only', () => {
    expect(k6.profiles).toEqual(['loadtest']);
    expect(k6.read_only).toBe(true);
    expect(k6.cap_drop).toEqual(['ALL']);
    expect(k6.deploy.resources.limits.memory).toMatch(/^\d+[MG]$/);
    expect(k6.volumes).toContain('../../loadtest:/scripts:ro');
  });

  it("writes results to the stack's Prometheus by remote write", () => {
    expect(k6.environment).toMatchObject({
      K6_OUT: 'experimental-prometheus-rw',
      K6_PROMETHEUS_RW_SERVER_URL: 'http://prometheus:9090/api/v1/write',
    });
    const prometheus = (
      parse(readFileSync(path.join(root, 'deploy/compose/metrics.yaml'), 'utf8')) as {
        services: { prometheus: { command: string[] } };
      }
    ).services.prometheus;
    expect(prometheus.command).toContain('--web.enable-remote-write-receiver');
  });
});
