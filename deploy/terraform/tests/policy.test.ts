import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCompose } from '@observable-todo/test-support/repo';
import { block, blocks, parseTerraformFiles, terraformDir, type Hcl, type TerraformConfig } from './support/terraform.js';

// The security properties of deploy/terraform, read from the HCL itself with a
// real HCL2 parser (@cdktf/hcl2json): what a reviewer would check by eye, so a
// change that opens a port or widens the role fails here, not in production.

const OPERATOR_PORTS = [8000, 9090, 9093, 3000, 5601, 9200];
const PUBLIC_PORTS = [80, 443];

let tf: TerraformConfig;
beforeAll(async () => {
  tf = await parseTerraformFiles();
});

const resources = (type: string): [string, Hcl][] => Object.entries(tf.resources[type] ?? {});
const local = <T>(name: string): T => tf.locals[name] as T;

/** The ports a security group rule admits: literal, or each.value over a local map. */
function rulePorts(rule: Hcl): number[] {
  const from = rule.from_port;
  if (typeof from === 'number') {
    expect(rule.to_port, 'a rule admits one port, not a range').toBe(from);
    return [from];
  }
  expect(from).toBe('${each.value}');
  expect(rule.to_port).toBe('${each.value}');
  const forEach = String(rule.for_each);
  const name = /local\.([a-z_]+)/.exec(forEach)?.[1];
  if (name === undefined) throw new Error(`cannot resolve the ports of for_each ${forEach}`);
  const value = tf.locals[name];
  if (typeof value === 'string') return [...value.matchAll(/=\s*(\d+)/g)].map((m) => Number(m[1]));
  return Object.values(value as Record<string, number>);
}

describe('network exposure', () => {
  it('declares ingress only as aws_vpc_security_group_ingress_rule resources (no inline or legacy rules to miss)', () => {
    for (const [name, sg] of resources('aws_security_group')) {
      expect(blocks(sg, 'ingress'), name).toEqual([]);
      expect(blocks(sg, 'egress'), name).toEqual([]);
    }
    expect(resources('aws_security_group_rule')).toEqual([]);
    expect(resources('aws_vpc_security_group_ingress_rule').length).toBeGreaterThan(0);
  });

  it('admits the internet (0.0.0.0/0, ::/0) on 80 and 443 only', () => {
    const open = resources('aws_vpc_security_group_ingress_rule').filter(([, r]) => r.cidr_ipv4 === '0.0.0.0/0' || r.cidr_ipv6 === '::/0');
    expect(open.map(([n]) => n)).toEqual(['app_public_ipv4']);
    for (const [, rule] of open) {
      for (const port of rulePorts(rule)) expect(PUBLIC_PORTS).toContain(port);
    }
    // 443 only when a TLS terminator is configured.
    expect(local<string>('public_ports')).toMatch(/^\$\{var\.https_enabled \? \{ http = 80, https = 443 \} : \{ http = 80 \}\}$/);
  });

  it('admits SSH (22) only from var.admin_cidr_blocks, one rule per block, none when the list is empty', () => {
    const ssh = resources('aws_vpc_security_group_ingress_rule').filter(([, r]) => rulePorts(r).includes(22));
    expect(ssh.map(([n]) => n).sort()).toEqual(['app_ssh', 'app_ssh_ipv6', 'monitoring_ssh', 'monitoring_ssh_ipv6']);
    for (const [name, rule] of ssh) {
      expect(String(rule.for_each), name).toMatch(/for c in var\.admin_cidr_blocks/);
      expect(rule.cidr_ipv4 ?? rule.cidr_ipv6, name).toBe('${each.value}');
      expect(rule.referenced_security_group_id, name).toBeUndefined();
    }
    expect(tf.variables.admin_cidr_blocks).not.toHaveProperty('default');
  });

  it('opens no operator port (8000, 9090, 9093, 3000, 5601, 9200) to any address range', () => {
    for (const [name, rule] of resources('aws_vpc_security_group_ingress_rule')) {
      if (rule.referenced_security_group_id !== undefined) continue;
      for (const port of rulePorts(rule)) expect(OPERATOR_PORTS, `${name} admits ${port}`).not.toContain(port);
      expect(rule.ip_protocol, name).toBe('tcp');
    }
  });

  it('between the hosts, admits exactly the scraped ports (app) and the log-shipping port (monitoring), from the other group only', () => {
    const between = resources('aws_vpc_security_group_ingress_rule').filter(([, r]) => r.referenced_security_group_id !== undefined);
    const byName = Object.fromEntries(between);
    expect(Object.keys(byName).sort()).toEqual(['app_from_monitoring', 'monitoring_from_app']);
    expect(byName.app_from_monitoring?.security_group_id).toBe('${aws_security_group.app.id}');
    expect(byName.app_from_monitoring?.referenced_security_group_id).toBe('${aws_security_group.monitoring[0].id}');
    expect(byName.monitoring_from_app?.security_group_id).toBe('${aws_security_group.monitoring[0].id}');
    expect(byName.monitoring_from_app?.referenced_security_group_id).toBe('${aws_security_group.app.id}');
    expect(local('monitoring_scrape_ports')).toEqual({
      api: 8000,
      'node-exporter': 9100,
      'postgres-exporter': 9187,
      'nginx-exporter': 9113,
      'fluent-bit': 2020,
    });
    expect(local('log_shipping_ports')).toEqual({ elasticsearch: 9200 });
    // The rules open exactly the ports of those two maps, not a list written again.
    const ports = (name: string) => Object.values(local<Record<string, number>>(name)).sort((a, b) => a - b);
    expect(rulePorts(byName.app_from_monitoring!).sort((a, b) => a - b)).toEqual(ports('monitoring_scrape_ports'));
    expect(rulePorts(byName.monitoring_from_app!)).toEqual(ports('log_shipping_ports'));
  });

  it("the app host's override publishes exactly the scraped ports on its private address, each service its own", () => {
    type Compose = { services: Record<string, { ports?: string[] }> };
    const appHost = parseCompose<Compose>(readFileSync(path.join(terraformDir, 'compose/app-host.yaml'), 'utf8'));
    const privatePorts = Object.entries(appHost.services).flatMap(([service, s]) =>
      (s.ports ?? [])
        .filter((p) => p.startsWith('${OBSERVABLE_TODO_APP_HOST_IP'))
        .map((p) => [service, Number(p.split(':').pop())] as const),
    );
    expect(Object.fromEntries(privatePorts)).toEqual(local('monitoring_scrape_ports'));
    // The public one, and nothing else on another address.
    const others = Object.values(appHost.services).flatMap((s) =>
      (s.ports ?? []).filter((p) => !p.startsWith('${OBSERVABLE_TODO_APP_HOST_IP')),
    );
    expect(others).toEqual(['0.0.0.0:80:8080']);
    const single = parseCompose<Compose>(readFileSync(path.join(terraformDir, 'compose/single-host.yaml'), 'utf8'));
    expect(Object.values(single.services).flatMap((s) => s.ports ?? [])).toEqual(['0.0.0.0:80:8080']);
  });

  it("the monitoring host's override publishes exactly the log-shipping ports, on its private address", () => {
    type Compose = { services: Record<string, { ports?: string[] }> };
    const monitoring = parseCompose<Compose>(readFileSync(path.join(terraformDir, 'compose/monitoring-host.yaml'), 'utf8'));
    const ports = Object.entries(monitoring.services).flatMap(([service, s]) => (s.ports ?? []).map((p) => [service, p] as const));
    for (const [service, port] of ports) expect(port, service).toMatch(/^\$\{OBSERVABLE_TODO_MONITORING_HOST_IP:\?[^}]*\}:\d+:\d+$/);
    expect(Object.fromEntries(ports.map(([service, p]) => [service, Number(p.split(':').pop())]))).toEqual(local('log_shipping_ports'));
  });
});

describe('instances and storage', () => {
  it('require IMDSv2 tokens with a hop limit of 1 on every instance', () => {
    const instances = resources('aws_instance');
    expect(instances.length).toBeGreaterThan(0);
    for (const [name, instance] of instances) {
      const metadata = block(instance, 'metadata_options');
      expect(metadata, name).toMatchObject({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 });
    }
  });

  it('encrypt every volume: gp3 root volumes, data volumes, no unencrypted extra block device', () => {
    for (const [name, instance] of resources('aws_instance')) {
      expect(block(instance, 'root_block_device'), name).toMatchObject({ encrypted: true, volume_type: 'gp3' });
      expect(instance.ebs_block_device, name).toBeUndefined();
    }
    const volumes = resources('aws_ebs_volume');
    expect(volumes.length).toBeGreaterThan(0);
    for (const [name, volume] of volumes) expect(volume, name).toMatchObject({ encrypted: true, type: 'gp3' });
  });

  it('boot after everything the first boot reads exists (role policy, bundle, parameters)', () => {
    for (const [name, instance] of resources('aws_instance')) {
      expect(instance.depends_on, name).toEqual(
        expect.arrayContaining([
          '${aws_iam_role_policy.host}',
          '${aws_s3_object.bundle}',
          '${aws_ssm_parameter.bundle_key}',
          '${aws_ssm_parameter.secrets_manifest}',
          '${aws_ssm_parameter.compose_env}',
          '${aws_ssm_parameter.secret}',
        ]),
      );
    }
  });

  it('resolve the AMI from a public SSM parameter, not a name search', () => {
    expect(resources('aws_instance').every(([, i]) => i.ami === '${data.aws_ssm_parameter.ami.insecure_value}')).toBe(true);
    expect(tf.data.aws_ami).toBeUndefined();
    expect(tf.variables.ami_ssm_parameter?.default).toMatch(/^\/aws\/service\/canonical\/ubuntu\/server\/24\.04\/stable\/current\/amd64\//);
  });
});

describe('the bundle bucket', () => {
  it('is private: all four public access blocks on, owner-enforced objects', () => {
    expect(tf.resources.aws_s3_bucket_public_access_block?.bundle).toMatchObject({
      bucket: '${aws_s3_bucket.bundle.id}',
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(block(tf.resources.aws_s3_bucket_ownership_controls!.bundle!, 'rule')).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    expect(resources('aws_s3_bucket_acl')).toEqual([]);
  });

  it('is encrypted and versioned, and refuses plain HTTP', () => {
    const sse = tf.resources.aws_s3_bucket_server_side_encryption_configuration?.bundle;
    expect(block(block(sse!, 'rule')!, 'apply_server_side_encryption_by_default')).toEqual({ sse_algorithm: 'AES256' });
    expect(block(tf.resources.aws_s3_bucket_versioning!.bundle!, 'versioning_configuration')).toEqual({ status: 'Enabled' });
    const policy = tf.data.aws_iam_policy_document!.bundle_tls_only!;
    const statement = block(policy, 'statement')!;
    expect(statement).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(block(statement, 'condition')).toEqual({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
    expect(tf.resources.aws_s3_bucket_policy?.bundle?.policy).toBe('${data.aws_iam_policy_document.bundle_tls_only.json}');
  });
});

describe('the instance role', () => {
  const EXPECTED: Record<string, { actions: string[]; resources: string[] }> = {
    SsmAgentChannel: {
      actions: [
        'ec2messages:AcknowledgeMessage',
        'ec2messages:DeleteMessage',
        'ec2messages:FailMessage',
        'ec2messages:GetEndpoint',
        'ec2messages:GetMessages',
        'ec2messages:SendReply',
        'ssm:DescribeAssociation',
        'ssm:DescribeDocument',
        'ssm:GetDocument',
        'ssm:ListAssociations',
        'ssm:ListInstanceAssociations',
        'ssm:PutComplianceItems',
        'ssm:UpdateAssociationStatus',
        'ssm:UpdateInstanceAssociationStatus',
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
      ],
      // These actions take no resource ARN.
      resources: ['*'],
    },
    ReadThisStacksParameters: { actions: ['ssm:GetParameter'], resources: ['${local.parameter_arn}'] },
    ReadDeploymentBundles: { actions: ['s3:GetObject'], resources: ['${aws_s3_bucket.bundle.arn}/bundles/*'] },
    DecryptThisStacksSecrets: { actions: ['kms:Decrypt'], resources: ['${statement.value}'] },
  };

  it('allows exactly the listed actions on the listed resources, "*" only for the agent channel', () => {
    const doc = tf.data.aws_iam_policy_document!.host!;
    const statements = blocks(doc, 'statement');
    const found = Object.fromEntries(statements.map((s) => [s.sid as string, { actions: s.actions, resources: s.resources }]));
    expect(found).toEqual(EXPECTED);
    for (const s of statements) expect(s.effect ?? 'Allow').toBe('Allow');
  });

  it('reads parameters only under /<name>/ and the KMS key only through SSM', () => {
    expect(local('parameter_prefix')).toBe('/${var.name}');
    expect(local('parameter_arn')).toBe(
      'arn:${data.aws_partition.current.partition}:ssm:${var.region}:' +
        '${data.aws_caller_identity.current.account_id}:parameter${local.parameter_prefix}/*',
    );
    const kms = blocks(tf.data.aws_iam_policy_document!.host!, 'statement').find((s) => s.sid === 'DecryptThisStacksSecrets')!;
    expect(block(kms, 'condition')).toEqual({
      test: 'StringEquals',
      variable: 'kms:ViaService',
      values: ['ssm.${var.region}.amazonaws.com'],
    });
  });

  it('has no managed policy attached and one inline policy', () => {
    expect(resources('aws_iam_role_policy_attachment')).toEqual([]);
    expect(resources('aws_iam_policy')).toEqual([]);
    expect(resources('aws_iam_role_policy').map(([, p]) => p.policy)).toEqual(['${data.aws_iam_policy_document.host.json}']);
    expect(resources('aws_iam_role').map(([, r]) => r.managed_policy_arns)).toEqual([undefined]);
  });
});

describe('secrets', () => {
  const secretVariables = () => Object.entries(tf.variables).filter(([, v]) => v.sensitive === true);

  it('are never in user data, outputs or the state: values go through a write-only argument', () => {
    expect(secretVariables().map(([n]) => n)).toEqual(['ssm_secret_values']);
    const param = tf.resources.aws_ssm_parameter!.secret!;
    expect(param).toMatchObject({ type: 'SecureString', value_wo: '${var.ssm_secret_values[each.value]}' });
    expect(param.value).toBeUndefined();
    const userData = resources('aws_instance').map(([, i]) => String(i.user_data));
    const template = readFileSync(path.join(terraformDir, 'files/cloud-init.yaml.tftpl'), 'utf8');
    const outputValues = Object.values(tf.outputs).map((o) => String(o.value));
    for (const text of [...userData, template, ...outputValues]) {
      expect(text).not.toMatch(/ssm_secret_values|aws_ssm_parameter\.secret|with_decryption|insecure_value.*secret/);
    }
    // Only ids, addresses and commands leave Terraform.
    for (const [name, output] of Object.entries(tf.outputs)) expect(output.sensitive, name).toBeUndefined();
  });

  it('have no default value anywhere: no variable default looks like a credential', () => {
    for (const [name, variable] of Object.entries(tf.variables)) {
      const text = JSON.stringify(variable.default ?? null);
      expect(text, name).not.toMatch(/hooks\.slack\.com|https?:\/\/[^"]*@|password|secret|token|AKIA[0-9A-Z]{16}/i);
    }
    expect(tf.variables.ssm_secret_values?.default).toEqual({});
    expect(tf.variables.ssm_secrets?.default).toEqual({});
  });

  it('are named by path below /<name>/secrets/, so the role reads them', () => {
    expect(local('secret_parameter_names')).toBe('${{ for k, s in var.ssm_secrets : k => "${local.parameter_prefix}/secrets/${k}" }}');
  });
});

describe('conventions', () => {
  it('every variable has a type and a description', () => {
    for (const [name, variable] of Object.entries(tf.variables)) {
      expect(variable.type, name).toBeTruthy();
      expect(typeof variable.description, name).toBe('string');
      expect((variable.description as string).length, name).toBeGreaterThan(20);
    }
  });

  it('pins Terraform 1.11+ and the AWS provider to 6.x, and tags everything through the provider', () => {
    const versions = tf.sources['versions.tf']!;
    expect(versions).toMatch(/required_version\s*=\s*">= 1\.11\.0, < 2\.0\.0"/);
    expect(versions).toMatch(/source\s*=\s*"hashicorp\/aws"\s*\n\s*version\s*=\s*"~> 6\.0"/);
    expect(tf.sources['providers.tf']).toMatch(/default_tags\s*{\s*\n\s*tags\s*=/);
  });

  it('installs one Terraform version in both workflows, the 1.x that versions.tf admits', () => {
    const pinned = ['ci.yml', 'terraform.yml'].map((file) => {
      const text = readFileSync(path.join(terraformDir, '../../.github/workflows', file), 'utf8');
      return /terraform_version: (\S+)/.exec(text)?.[1];
    });
    expect(pinned[0]).toMatch(/^1\.(1[1-9]|[2-9]\d)\.\d+$/);
    expect(pinned[1]).toBe(pinned[0]);
  });

  it('keeps the S3 remote-state example commented, with lock files', () => {
    const backend = tf.sources['backend.tf']!;
    expect(backend.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]);
    expect(backend).toMatch(/^# {5}use_lockfile = true$/m);
  });
});
