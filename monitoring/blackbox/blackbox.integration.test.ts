import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import path from 'node:path';
import { image } from '@observable-todo/test-support/images';
import { monitoringDir } from '@observable-todo/test-support/monitoring-files';

// The blackbox exporter's own checker (--config.check) on the repository's
// file, in the image the stack runs, copied to where compose mounts it.
const BLACKBOX_IMAGE = image('BLACKBOX_EXPORTER_IMAGE');
const CONFIG = '/etc/blackbox_exporter/config.yml';

describe('blackbox exporter', () => {
  let toolbox: StartedTestContainer;

  beforeAll(async () => {
    toolbox = await new GenericContainer(BLACKBOX_IMAGE)
      .withEntrypoint(['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'])
      .withCommand([])
      .withCopyFilesToContainer([{ source: path.join(monitoringDir, 'blackbox/blackbox.yml'), target: CONFIG }])
      .start();
  });
  afterAll(async () => {
    await toolbox?.stop();
  });

  it('accepts blackbox.yml, without deprecated settings', async () => {
    const result = await toolbox.exec(['/bin/blackbox_exporter', `--config.file=${CONFIG}`, '--config.check']);
    expect(result.output).toContain('Config file is ok');
    expect(result.output).not.toMatch(/deprecated/i);
    expect(result.exitCode).toBe(0);
  });

  it('refuses a module with an unknown setting (the check can fail)', async () => {
    const broken = await toolbox.exec([
      '/bin/sh',
      '-c',
      [
        `sed 's/valid_status_codes:/valid_status_code:/' ${CONFIG} > /tmp/broken.yml`,
        '/bin/blackbox_exporter --config.file=/tmp/broken.yml --config.check',
      ].join(' && '),
    ]);
    expect(broken.exitCode).not.toBe(0);
  });
});
