import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { terraformDir } from './support/terraform.js';

// The boot script and the fakes its tests run against, through shellcheck
// (bash dialect, following sourced files). Skipped, loudly, without shellcheck.
const available = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
if (!available) console.warn('[skipped] shellcheck of deploy/terraform scripts: no shellcheck binary (apt-get install shellcheck)');

const scripts = [
  'files/deploy.sh',
  ...readdirSync(path.join(terraformDir, 'tests/fake-host/bin')).map((f) => `tests/fake-host/bin/${f}`),
  'tests/fake-host/installable/docker',
];

describe.skipIf(!available)('shellcheck', () => {
  it.each(scripts)('finds nothing in %s', async (script) => {
    const run = promisify(execFile);
    const result = await run('shellcheck', ['-x', '--severity=style', script], { cwd: terraformDir }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});

// compose/es-writer-password.yaml's seed script, inline in the compose file:
// as the container's /bin/sh (dash) runs it, after Compose turns $$ into $.
describe.skipIf(!available)('shellcheck of inline compose scripts', () => {
  it('finds nothing in compose/es-writer-password.yaml configs.es-writer-password-seed', () => {
    const doc = parseYaml(readFileSync(path.join(terraformDir, 'compose/es-writer-password.yaml'), 'utf8')) as {
      configs: Record<string, { content: string }>;
    };
    const script = doc.configs['es-writer-password-seed']!.content.replaceAll('$$', '$');
    const run = spawnSync('shellcheck', ['--shell=sh', '--severity=style', '-'], { input: script, encoding: 'utf8' });
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});
