import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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
