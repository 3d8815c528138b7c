import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeNeeds } from './support/compose-needs.js';
import { repoRoot } from '@observable-todo/test-support/repo';
import { bundleManifest, evaluate, planVariables, terraform, terraformAvailability, terraformDir } from './support/terraform.js';

// What the terraform binary can prove without a provider: formatting, the
// variables' validation rules, the bundle's file list and hash, the rendered
// cloud-init. Where no binary exists (a stock runner without the CI step that
// installs one) these are reported as skipped, with the reason.

const cli = terraformAvailability();
if (!cli.ok) console.warn(`[skipped] terraform CLI tests: ${cli.reason}`);

/** The compose files the systemd unit runs on each host role: the root file plus one override. */
const OVERRIDES = ['single-host.yaml', 'app-host.yaml', 'monitoring-host.yaml'].map((f) => `deploy/terraform/compose/${f}`);

describe.skipIf(!cli.ok)(`terraform CLI (${cli.ok ? cli.version : 'absent'}), no provider needed`, () => {
  it('finds every file formatted (terraform fmt -check -recursive deploy/terraform)', async () => {
    const result = await terraform(repoRoot, 'fmt', '-check', '-recursive', '-diff', '-no-color', 'deploy/terraform');
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  describe('bundle (modules/bundle-files)', () => {
    let bundle: { files: string[]; hash: string };
    const load = async () => (bundle ??= await bundleManifest());

    it('holds exactly the files compose.yaml and the host overrides include, mount and build', async () => {
      const { files } = await load();
      // debug.yaml: the override an operator adds with -f for alert drills on the host.
      const needed = composeNeeds(repoRoot, ['compose.yaml', 'deploy/compose/debug.yaml', ...OVERRIDES]);
      // Sanity: the derivation sees the parts it must (a build context, a mounted directory, the overrides).
      expect(needed).toEqual(
        expect.arrayContaining([
          'services/api/src/entry-points/service.ts',
          'monitoring/prometheus/prometheus.yml',
          'package-lock.json',
          ...OVERRIDES,
        ]),
      );
      expect(files).toEqual(needed);
    });

    it('carries no local secret, test, node_modules or build output', async () => {
      const { files } = await load();
      for (const f of files) expect(f).not.toMatch(/(^|\/)(secrets|node_modules|dist|test-support)\/|\.test\.ts$|^\.env$|\.tfvars$/);
    });

    it('hashes names and contents: the same as deploy.sh computes on the host', async () => {
      const { files, hash } = await load();
      const { createHash } = await import('node:crypto');
      const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
      const manifest = files.map((f) => `${sha(readFileSync(path.join(repoRoot, f)))}  ${f}`).join('\n');
      expect(hash).toBe(sha(manifest));
    });
  });

  it('renders cloud-init with the boot script, the unit and the settings byte for byte, and no secret', async () => {
    const env = [
      'AWS_REGION=us-east-1',
      'PARAM_PREFIX=/observable-todo',
      'BUNDLE_BUCKET=b',
      'HOST_ROLE=single',
      'DATA_VOLUME_ID=vol-0abc',
      'DATA_DEVICE_NAME=/dev/sdf',
    ].join('\n');
    const files = path.join(terraformDir, 'files');
    const out = await evaluate(
      [
        'output "user_data" {',
        `  value = templatefile(${JSON.stringify(`${files}/cloud-init.yaml.tftpl`)}, {`,
        `    deploy_script = file(${JSON.stringify(`${files}/deploy.sh`)})`,
        `    unit = file(${JSON.stringify(`${files}/observable-todo.service`)})`,
        `    deploy_env = ${JSON.stringify(env)}`,
        '  })',
        '}',
        '',
      ].join('\n'),
    );
    const text = out.user_data as string;
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parseYaml(text) as {
      write_files: { path: string; permissions: string; owner: string; content: string }[];
      runcmd: string[][];
    };
    const decoded = Object.fromEntries(
      doc.write_files.map((f) => [f.path, { ...f, content: Buffer.from(f.content, 'base64').toString('utf8') }]),
    );
    expect(decoded['/usr/local/sbin/observable-todo-deploy']).toMatchObject({
      permissions: '0755',
      owner: 'root:root',
      content: readFileSync(`${files}/deploy.sh`, 'utf8'),
    });
    expect(decoded['/etc/systemd/system/observable-todo.service']?.content).toBe(readFileSync(`${files}/observable-todo.service`, 'utf8'));
    expect(decoded['/etc/observable-todo/deploy.env']).toMatchObject({ permissions: '0600', content: env });
    expect(doc.runcmd).toEqual([['/usr/local/sbin/observable-todo-deploy']]);
    // instance.tf passes exactly these three values.
    const instance = readFileSync(path.join(terraformDir, 'instance.tf'), 'utf8');
    const templatefileCall = new RegExp(
      [
        String.raw`templatefile\("\$\{path\.module\}\/files\/cloud-init\.yaml\.tftpl", \{\s*`,
        String.raw`deploy_script = file\("\$\{path\.module\}\/files\/deploy\.sh"\)\s*`,
        String.raw`unit\s*= file\("\$\{path\.module\}\/files\/observable-todo\.service"\)\s*`,
        'deploy_env = join',
      ].join(''),
    );
    expect(instance).toMatch(templatefileCall);
  });

  describe('variable validation (terraform plan of variables.tf alone)', () => {
    const ok = { admin_cidr_blocks: '[]' };
    it.each([
      [
        'SSH from 0.0.0.0/0',
        { admin_cidr_blocks: '["0.0.0.0/0"]', ssh_public_key: 'ssh-ed25519 AAAAC3Nza' },
        'must never contain 0.0.0.0/0',
      ],
      ['SSH from ::/0', { admin_cidr_blocks: '["::/0"]', ssh_public_key: 'ssh-ed25519 AAAAC3Nza' }, 'must never contain 0.0.0.0/0'],
      [
        'an admin CIDR that is not one',
        { admin_cidr_blocks: '["my-laptop"]', ssh_public_key: 'ssh-ed25519 AAAAC3Nza' },
        'must be CIDR blocks',
      ],
      ['SSH on without a public key', { admin_cidr_blocks: '["203.0.113.7/32"]' }, 'ssh_public_key must be an OpenSSH public key'],
      [
        'a secret file name with a path',
        { ...ok, ssm_secrets: '{ x = { file = "../../etc/passwd", env_var = "X_FILE" } }' },
        'plain file name',
      ],
      [
        'a secret env var that is not a *_FILE variable',
        { ...ok, ssm_secrets: '{ x = { file = "x", env_var = "SLACK_WEBHOOK_URL" } }' },
        'env_var must be the compose variable',
      ],
      ['a secret value without a destination', { ...ok, ssm_secret_values: '{ y = "v" }' }, 'must also be an ssm_secrets key'],
      ['a port through compose_env', { ...ok, compose_env: '{ PROMETHEUS_PORT = "0.0.0.0:9090" }' }, 'must not set *_PORT'],
      ['vpc_id without subnet_id', { ...ok, vpc_id: 'vpc-0abc' }, 'Set vpc_id and subnet_id together'],
      [
        'two hosts without the shared Elasticsearch writer password',
        { ...ok, monitoring_host: 'true' },
        'needs an ssm_secrets entry with env_var = "ES_WRITER_PASSWORD_FILE"',
      ],
    ])('refuses %s', async (_what, vars, message) => {
      const result = await planVariables(vars);
      expect(result.code).not.toBe(0);
      expect(result.stderr.replace(/\s+/g, ' ')).toContain(message);
    });

    it.each([
      ['SSH off (no key needed)', ok],
      [
        'SSH from one address with a key',
        { admin_cidr_blocks: '["203.0.113.7/32", "2001:db8::/64"]', ssh_public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA you@laptop' },
      ],
      [
        'the Slack webhooks by name, per receiver',
        {
          ...ok,
          ssm_secrets:
            '{ "slack-pager-webhook-url" = ' +
            '{ file = "slack_pager_webhook_url", env_var = "SLACK_PAGER_WEBHOOK_URL_FILE", owner_uid = 65534 } }',
        },
      ],
      [
        'two hosts with the shared Elasticsearch writer password',
        {
          ...ok,
          monitoring_host: 'true',
          ssm_secrets: '{ "es-writer-password" = { file = "es_writer_password", env_var = "ES_WRITER_PASSWORD_FILE" } }',
        },
      ],
    ])('accepts %s', async (_what, vars) => {
      const result = await planVariables(vars);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  });
});

// `terraform init` needs hashicorp/aws and hashicorp/archive from the registry;
// tests/*.tftest.hcl plan both layouts with mock_provider "aws". Here the
// registry is out of reach, so they are reported skipped with the reason, and
// .github/workflows/terraform.yml runs them.
const providers = await (async () => {
  if (!cli.ok) return { ok: false, reason: cli.reason };
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-providers-'));
  try {
    const { cpSync } = await import('node:fs');
    cpSync(path.join(terraformDir, 'versions.tf'), path.join(dir, 'versions.tf'));
    const init = await terraform(dir, 'init', '-backend=false', '-input=false', '-no-color');
    return init.code === 0 ? { ok: true, reason: '' } : { ok: false, reason: init.stderr.replace(/\s+/g, ' ').trim().slice(0, 300) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
if (!providers.ok)
  console.warn(`[skipped] terraform test (tests/*.tftest.hcl): the AWS provider cannot be installed here: ${providers.reason}`);

describe.skipIf(!providers.ok)('terraform test with mock providers (tests/*.tftest.hcl)', () => {
  it('plans both layouts and their assertions hold', { timeout: 600_000 }, async () => {
    const init = await terraform(terraformDir, 'init', '-backend=false', '-input=false', '-no-color');
    expect(init.code, init.stderr).toBe(0);
    const test = await terraform(terraformDir, 'test', '-no-color');
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/Success! \d+ passed, 0 failed/);
  });
});
