import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { image as imageRef } from '@observable-todo/test-support/images';
import { docker } from '@observable-todo/test-support/docker';
import { imageAvailability } from '@observable-todo/test-support/image-availability';
import { repoRoot } from '@observable-todo/test-support/repo';
import { bundleManifest, terraformAvailability, terraformDir } from './support/terraform.js';

/**
 * Boot-script tests with a fake AWS CLI: files/deploy.sh, the script
 * cloud-init and the SSM association run, executed as root in a Debian
 * container with tests/fake-host/bin first on PATH (aws serving parameters and
 * the bundle from folders, apt-get, docker, systemctl, mkfs, mount recording
 * their calls), and a real bundle: the files modules/bundle-files selects,
 * zipped, under the hash Terraform computes for them. No network.
 */

const IMAGE = imageRef('DEBIAN_IMAGE');
const PREFIX = '/observable-todo';
const BUCKET = 'observable-todo-bundle-test';
const VOLUME = 'vol-0abc123def4567890';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/not-a-real-secret-6c1f';
const DB_OVERRIDE = 's3cr3t-password-value-81d2';

const image = await imageAvailability(IMAGE);
const unzipPath = ['/usr/bin/unzip', '/bin/unzip'].find((p) => existsSync(p));
const zipOk = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
const skipReason = !image.ok
  ? image.reason
  : unzipPath === undefined || !zipOk
    ? 'needs zip and unzip on this machine (the fake apt-get copies unzip into the container)'
    : undefined;
if (skipReason !== undefined) console.warn(`[skipped] boot-script tests with a fake AWS CLI: ${skipReason}`);

/** The bundle's files and content hash: from Terraform where it runs, else the same formula here. */
/** The bundle's files and hash, as modules/bundle-files selects them (needs terraform). */
async function terraformBundle(): Promise<{ files: string[]; hash: string }> {
  if (terraformAvailability().ok) return bundleManifest();
  throw new Error('terraform is needed to select the bundle files');
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe.skipIf(skipReason !== undefined)('boot script (files/deploy.sh) with a fake AWS CLI', () => {
  let container = '';
  let work = '';
  let hash = '';

  const sh = async (script: string) => docker('exec', container, 'bash', '-c', script);
  /** Runs deploy.sh as cloud-init does (root, the rendered deploy.env); never throws. */
  const deploy = () => {
    const run = spawnSync('docker', ['exec', '-e', 'OBSERVABLE_TODO_WAIT_SECONDS=2', container, '/usr/local/sbin/observable-todo-deploy'], {
      encoding: 'utf8',
    });
    return { code: run.status, out: `${run.stdout}${run.stderr}` };
  };
  const calls = async (fake: string) => (await sh(`cat /fake/calls/${fake} 2>/dev/null || true`)).split('\n').filter(Boolean);
  const setParam = (name: string, value: string, secure = false) => {
    const file = `/fake/${secure ? 'ssm-secure' : 'ssm'}${name}`;
    return sh(`mkdir -p "$(dirname ${file})" && printf '%s' '${value}' > ${file}`);
  };
  const fstabEntries = async () => (await sh('cat /etc/fstab')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  /** Everything under /opt/observable-todo: path, mode, owner, content hash. */
  const snapshot = () =>
    sh('cd /opt/observable-todo && find . -printf "%p %m %u:%g\\n" | sort && find . -type f -exec sha256sum {} + | sort');

  beforeAll(async () => {
    const { files, hash: h } = await terraformBundle();
    hash = h;
    work = mkdtempSync(path.join(tmpdir(), 'boot-script-'));
    const zip = spawnSync('zip', ['-q', '-X', path.join(work, 'bundle.zip'), '-@'], { cwd: repoRoot, input: files.join('\n') });
    if (zip.status !== 0) throw new Error(`zip failed: ${zip.stderr.toString()}`);

    container = (
      await docker(
        'run',
        '-d',
        '--rm',
        '--network',
        'none',
        '-v',
        `${path.join(terraformDir, 'tests/fake-host')}:/fake-host:ro`,
        '-v',
        `${unzipPath}:/fixture/unzip:ro`,
        '-v',
        `${path.join(work, 'bundle.zip')}:/fixture/bundle.zip:ro`,
        '-v',
        `${path.join(terraformDir, 'files/deploy.sh')}:/fixture/deploy.sh:ro`,
        '-e',
        'PATH=/fake-host/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        IMAGE,
        'sleep',
        'infinity',
      )
    ).trim();
    // What cloud-init's write_files leave behind, and an attached EBS volume as udev names it on Nitro.
    const deployEnv = [
      'AWS_REGION=us-east-1',
      `PARAM_PREFIX=${PREFIX}`,
      `BUNDLE_BUCKET=${BUCKET}`,
      'HOST_ROLE=single',
      `DATA_VOLUME_ID=${VOLUME}`,
      'DATA_DEVICE_NAME=/dev/sdf',
    ].join(' ');
    await sh(`set -e
      install -m 0755 /fixture/deploy.sh /usr/local/sbin/observable-todo-deploy
      mkdir -p /etc/observable-todo /fake/ssm /fake/ssm-secure /fake/s3/${BUCKET}/bundles /dev/disk/by-id
      printf '%s\\n' ${deployEnv} > /etc/observable-todo/deploy.env
      chmod 0600 /etc/observable-todo/deploy.env
      mknod /dev/fake-ebs b 7 250
      ln -s /dev/fake-ebs /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME.replace('-', '')}
      cp /fixture/bundle.zip /fake/s3/${BUCKET}/bundles/${hash}.zip
      touch /etc/fstab`);
    await setParam(`${PREFIX}/deploy/bundle-key`, `bundles/${hash}.zip`);
    await setParam(`${PREFIX}/deploy/env`, 'API_LOG_LEVEL=debug');
    await setParam(
      `${PREFIX}/deploy/secrets`,
      [
        `${PREFIX}/secrets/slack-pager-webhook-url|slack_pager_webhook_url|SLACK_PAGER_WEBHOOK_URL_FILE|65534`,
        `${PREFIX}/secrets/db-password|db_password|DB_PASSWORD_OVERRIDE_FILE|0`,
      ].join('\n'),
    );
    await setParam(`${PREFIX}/secrets/slack-pager-webhook-url`, WEBHOOK, true);
    await setParam(`${PREFIX}/secrets/db-password`, DB_OVERRIDE, true);
  }, 180_000);

  afterAll(async () => {
    if (container) await docker('rm', '-f', container);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let firstRun: { code: number | null; out: string };
  let afterFirst = '';

  it('first boot: formats and mounts the data volume, installs Docker, Compose and unzip, starts the unit; exit 0', async () => {
    firstRun = deploy();
    expect(firstRun.code, firstRun.out).toBe(0);
    expect(await calls('mkfs.ext4')).toEqual(['-q -L observable-data /dev/fake-ebs']);
    expect(await calls('mount')).toEqual(['/var/lib/docker']);
    expect(await fstabEntries()).toEqual(['UUID=5f0c8a4e-2f7b-4c1e-9d3a-0b6e1c2d3f4a /var/lib/docker ext4 defaults,nofail 0 2']);
    expect(await calls('apt-get')).toEqual(['update -q', 'install -y -q --no-install-recommends docker.io docker-compose-v2 unzip']);
    // The fake aws is on PATH, as the snap is on a host that has it.
    expect(await calls('snap')).toEqual([]);
    expect(await calls('systemctl')).toEqual([
      'enable --now docker.service',
      'daemon-reload',
      'enable observable-todo.service',
      'reload-or-restart observable-todo.service',
    ]);
    expect(await sh('cat /opt/observable-todo/host.env')).toBe(
      'COMPOSE_OVERRIDE=/opt/observable-todo/app/deploy/terraform/compose/single-host.yaml\nCOMPOSE_SERVICES=\n',
    );
    afterFirst = await snapshot();
  });

  it("raises vm.max_map_count now and on every boot, and turns on Elasticsearch's mmap in .env", async () => {
    // The fake sysctl starts at 65530, the kernel's default.
    expect(await calls('sysctl')).toEqual(['-n vm.max_map_count', '-q -w vm.max_map_count=1048576']);
    expect(await sh('cat /fake/state/vm.max_map_count')).toBe('1048576\n');
    expect(await sh("grep -v '^#' /etc/sysctl.d/99-observable-todo.conf")).toBe('vm.max_map_count = 1048576\n');
    expect(firstRun.out).toContain('vm.max_map_count raised from 65530 to 1048576 (/etc/sysctl.d/99-observable-todo.conf)');
    const env = (await sh('cat /opt/observable-todo/app/.env')).split('\n');
    expect(env).toContain('ES_ALLOW_MMAP=true');
    // Before the compose_env lines (SSM deploy/env): an ES_ALLOW_MMAP=false there comes later, and the later line wins.
    expect(env.indexOf('ES_ALLOW_MMAP=true')).toBeLessThan(env.indexOf('API_LOG_LEVEL=debug'));
  });

  it('unpacks exactly the bundle, whose content hash it checked', async () => {
    const listed = (await sh('cd /opt/observable-todo/app && find . -type f -printf "%P\\n" | LC_ALL=C sort')).trim().split('\n');
    const { files } = await terraformBundle();
    expect(listed.filter((f) => f !== '.env' && !f.startsWith('deploy/compose/secrets/'))).toEqual(files);
    const compose = await sh('cat /opt/observable-todo/app/compose.yaml');
    expect(sha(compose)).toBe(sha(readFileSync(path.join(repoRoot, 'compose.yaml'))));
    expect(firstRun.out).toContain(`deployed bundle ${hash} as single`);
  });

  it('writes each secret as a 0600 file owned by its reader (root unless set), and the .env pointing at it', async () => {
    const secrets = '/opt/observable-todo/app/deploy/compose/secrets';
    expect(await sh(`stat -c '%a %u:%g %n' ${secrets} ${secrets}/*`)).toBe(
      [`700 0:0 ${secrets}`, `600 0:0 ${secrets}/db_password`, `600 65534:0 ${secrets}/slack_pager_webhook_url`].join('\n') + '\n',
    );
    expect(await sh(`cat ${secrets}/slack_pager_webhook_url`)).toBe(`${WEBHOOK}\n`);
    expect(await sh(`cat ${secrets}/db_password`)).toBe(`${DB_OVERRIDE}\n`);
    const env = await sh('stat -c "%a %u" /opt/observable-todo/app/.env && cat /opt/observable-todo/app/.env');
    expect(env).toContain('600 0\n');
    expect(env).toContain('API_LOG_LEVEL=debug\n');
    expect(env).toContain('SLACK_PAGER_WEBHOOK_URL_FILE=./secrets/slack_pager_webhook_url\n');
    expect(env).toContain('DB_PASSWORD_OVERRIDE_FILE=./secrets/db_password\n');
    // Decrypted on purpose, and never printed.
    expect((await calls('aws')).filter((c) => c.includes('/secrets/')).every((c) => c.includes('--with-decryption'))).toBe(true);
    expect(firstRun.out).not.toContain(WEBHOOK);
    expect(firstRun.out).not.toContain(DB_OVERRIDE);
    expect(env).not.toContain(WEBHOOK);
  });

  it('second run: installs and formats nothing again, and leaves the same tree', async () => {
    const second = deploy();
    expect(second.code, second.out).toBe(0);
    expect((await calls('apt-get')).filter((c) => c.startsWith('install'))).toHaveLength(1);
    expect(await calls('mkfs.ext4')).toHaveLength(1);
    expect(await calls('mount')).toHaveLength(1);
    expect(await fstabEntries()).toHaveLength(1);
    expect(await snapshot()).toBe(afterFirst);
    expect((await calls('systemctl')).filter((c) => c === 'reload-or-restart observable-todo.service')).toHaveLength(2);
    // Already high enough: read, not written again.
    expect((await calls('sysctl')).filter((c) => c.startsWith('-q -w'))).toHaveLength(1);
  });

  it('never lowers a vm.max_map_count the host already has above 1048576', async () => {
    await sh('echo 2147483647 > /fake/state/vm.max_map_count');
    try {
      const run = deploy();
      expect(run.code, run.out).toBe(0);
      expect((await calls('sysctl')).filter((c) => c.startsWith('-q -w'))).toHaveLength(1);
      expect(await sh("grep -v '^#' /etc/sysctl.d/99-observable-todo.conf")).toBe('vm.max_map_count = 2147483647\n');
    } finally {
      await sh('echo 1048576 > /fake/state/vm.max_map_count');
      expect(deploy().code).toBe(0);
    }
  });

  describe('fails loudly, and changes nothing, when', () => {
    const expectRefused = async (message: string) => {
      const before = await snapshot();
      const reloads = async () => (await calls('systemctl')).filter((c) => !c.startsWith('enable --now docker')).length;
      const reloadsBefore = await reloads();
      const run = deploy();
      expect(run.code, run.out).toBe(1);
      expect(run.out).toContain(`observable-todo-deploy: ERROR: ${message}`);
      expect(await snapshot()).toBe(before);
      // The running stack is not touched: no daemon-reload, enable or reload of the unit.
      expect(await reloads()).toBe(reloadsBefore);
      expect(await sh('ls -A /opt/observable-todo')).toBe('app\nhost.env\n');
    };

    it('the bundle parameter is missing', async () => {
      await sh(`mv /fake/ssm${PREFIX}/deploy/bundle-key /tmp/bundle-key`);
      try {
        await expectRefused(`SSM parameter ${PREFIX}/deploy/bundle-key not readable after 2s`);
      } finally {
        await sh(`mv /tmp/bundle-key /fake/ssm${PREFIX}/deploy/bundle-key`);
      }
    });

    it('the bundle object is missing', async () => {
      const other = 'b'.repeat(64);
      await setParam(`${PREFIX}/deploy/bundle-key`, `bundles/${other}.zip`);
      try {
        await expectRefused(`cannot fetch s3://${BUCKET}/bundles/${other}.zip`);
      } finally {
        await setParam(`${PREFIX}/deploy/bundle-key`, `bundles/${hash}.zip`);
      }
    });

    it("the bundle's content does not match the hash in its name", async () => {
      const forged = 'c'.repeat(64);
      await sh(`cp /fixture/bundle.zip /fake/s3/${BUCKET}/bundles/${forged}.zip`);
      await setParam(`${PREFIX}/deploy/bundle-key`, `bundles/${forged}.zip`);
      try {
        await expectRefused(`bundle content hash is ${hash}, its key says ${forged}`);
      } finally {
        await setParam(`${PREFIX}/deploy/bundle-key`, `bundles/${hash}.zip`);
      }
    });

    it('a secret parameter is missing', async () => {
      await sh(`mv /fake/ssm-secure${PREFIX}/secrets/db-password /tmp/db-password`);
      try {
        await expectRefused(`cannot read secret parameter ${PREFIX}/secrets/db-password`);
      } finally {
        await sh(`mv /tmp/db-password /fake/ssm-secure${PREFIX}/secrets/db-password`);
      }
    });

    it('vm.max_map_count cannot be raised', async () => {
      await sh('echo 65530 > /fake/state/vm.max_map_count && touch /fake/state/sysctl-readonly');
      try {
        await expectRefused('cannot set vm.max_map_count to 1048576');
      } finally {
        await sh('rm /fake/state/sysctl-readonly && echo 1048576 > /fake/state/vm.max_map_count');
      }
    });

    it('the data volume is not attached', async () => {
      await sh(`rm /fake/state/mounted && mv /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME.replace('-', '')} /tmp/ebs-link`);
      try {
        await expectRefused(`data volume ${VOLUME} is not attached`);
        expect(await calls('apt-get')).toHaveLength(2);
      } finally {
        await sh(
          `mv /tmp/ebs-link /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME.replace('-', '')} && touch /fake/state/mounted`,
        );
      }
    });
  });

  it('still deploys after the refusals, and has formatted the volume only once', async () => {
    const run = deploy();
    expect(run.code, run.out).toBe(0);
    expect(await snapshot()).toBe(afterFirst);
    expect(await calls('mkfs.ext4')).toHaveLength(1);
  });
  describe('two-host layout, app host', () => {
    beforeAll(async () => {
      await sh(`sed -i 's/^HOST_ROLE=single$/HOST_ROLE=app/' /etc/observable-todo/deploy.env`);
    });

    it("waits for the other host's address, then fails loudly without it", async () => {
      const run = deploy();
      expect(run.code, run.out).toBe(1);
      expect(run.out).toContain(`observable-todo-deploy: ERROR: SSM parameter ${PREFIX}/hosts/app/private-ip not readable after 2s`);
      expect(await sh('cat /opt/observable-todo/host.env')).toContain('single-host.yaml');
    });

    it('runs the app services with the app override and both private addresses in .env', async () => {
      await setParam(`${PREFIX}/hosts/app/private-ip`, '10.42.1.10');
      await setParam(`${PREFIX}/hosts/monitoring/private-ip`, '10.42.1.20');
      const run = deploy();
      expect(run.code, run.out).toBe(0);
      expect(await sh('cat /opt/observable-todo/host.env')).toBe(
        'COMPOSE_OVERRIDE=/opt/observable-todo/app/deploy/terraform/compose/app-host.yaml\n' +
          'COMPOSE_SERVICES=secrets-init db api frontend node-exporter postgres-exporter nginx-exporter fluent-bit monitoring-host-relay\n',
      );
      const env = await sh('cat /opt/observable-todo/app/.env');
      expect(env).toContain('OBSERVABLE_TODO_APP_HOST_IP=10.42.1.10\nOBSERVABLE_TODO_MONITORING_HOST_IP=10.42.1.20\n');
      // No Elasticsearch here: no mmap setting, and vm.max_map_count left alone.
      expect(env).not.toContain('ES_ALLOW_MMAP');
    });
  });

  describe('two-host layout, monitoring host', () => {
    beforeAll(async () => {
      await sh(`sed -i 's/^HOST_ROLE=app$/HOST_ROLE=monitoring/' /etc/observable-todo/deploy.env`);
      await sh('echo 65530 > /fake/state/vm.max_map_count');
    });

    it("runs Elasticsearch: raises vm.max_map_count and turns on Elasticsearch's mmap", async () => {
      const run = deploy();
      expect(run.code, run.out).toBe(0);
      expect(await sh('cat /opt/observable-todo/host.env')).toContain('monitoring-host.yaml');
      expect(await sh('cat /fake/state/vm.max_map_count')).toBe('1048576\n');
      expect(run.out).toContain('vm.max_map_count raised from 65530 to 1048576');
      expect((await sh('cat /opt/observable-todo/app/.env')).split('\n')).toContain('ES_ALLOW_MMAP=true');
    });
  });
});
