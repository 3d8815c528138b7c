import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { repoRoot } from '@observable-todo/test-support/repo';

export const terraformDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A JSON object as @cdktf/hcl2json renders HCL: blocks are arrays of objects, expressions are "${...}" strings. */
export type Hcl = Record<string, unknown>;

export interface TerraformConfig {
  /** resource type -> name -> body */
  resources: Record<string, Record<string, Hcl>>;
  data: Record<string, Record<string, Hcl>>;
  variables: Record<string, Hcl>;
  outputs: Record<string, Hcl>;
  locals: Hcl;
  /** Every .tf file's text, by name. */
  sources: Record<string, string>;
}

function one(value: unknown): Hcl {
  // hcl2json wraps each block in an array; a configuration has one body per name.
  return (Array.isArray(value) ? value[0] : value) as Hcl;
}

/** Every .tf file of the root module, parsed by a real HCL2 parser and merged. */
export async function parseTerraformFiles(dir = terraformDir): Promise<TerraformConfig> {
  const config: TerraformConfig = { resources: {}, data: {}, variables: {}, outputs: {}, locals: {}, sources: {} };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    config.sources[file] = text;
    const parsed = (await parse(file, text)) as Record<string, Record<string, Record<string, unknown>> | unknown[]>;
    for (const [kind, key] of [
      ['resource', 'resources'],
      ['data', 'data'],
    ] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const [name, body] of Object.entries(byName)) {
          (config[key][type] ??= {})[name] = one(body);
        }
      }
    }
    for (const [name, body] of Object.entries((parsed.variable ?? {}) as Record<string, unknown>)) config.variables[name] = one(body);
    for (const [name, body] of Object.entries((parsed.output ?? {}) as Record<string, unknown>)) config.outputs[name] = one(body);
    for (const body of (parsed.locals ?? []) as Hcl[]) Object.assign(config.locals, body);
  }
  return config;
}

/** A nested block (first of its kind), or undefined. */
export function block(body: Hcl, name: string): Hcl | undefined {
  const value = body[name];
  return value === undefined ? undefined : one(value);
}

/** All nested blocks of a kind, including those of `dynamic "name"` blocks' content. */
export function blocks(body: Hcl, name: string): Hcl[] {
  const direct = (body[name] as Hcl[] | undefined) ?? [];
  const dynamic = ((block(body, 'dynamic')?.[name] as Hcl[] | undefined) ?? []).map((d) => one(d.content));
  return [...direct, ...dynamic];
}

// ---- the terraform binary -------------------------------------------------

export type Availability = { ok: true; version: string } | { ok: false; reason: string };

/** Whether a terraform CLI runs here (CI installs one; stock runners have none). */
export function terraformAvailability(): Availability {
  try {
    const out = execFileSync('terraform', ['version', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { ok: true, version: (JSON.parse(out) as { terraform_version: string }).terraform_version };
  } catch (error) {
    return { ok: false, reason: `no terraform binary on PATH (${(error as Error).message.split('\n')[0]})` };
  }
}

const execFileAsync = promisify(execFile);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs terraform; never throws on a non-zero exit (the tests look at it). */
export async function terraform(cwd: string, ...args: string[]): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync('terraform', args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      // No ~/.terraformrc here: keep its warning out of stderr, and never phone home.
      env: { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Applies a provider-less root module (outputs only) in a temporary directory
 * and returns its outputs: real Terraform evaluation of fileset(), sha256(),
 * templatefile() and variable validation, without any provider download.
 */
export async function evaluate(mainTf: string, files: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-eval-'));
  try {
    writeFileSync(path.join(dir, 'main.tf'), mainTf);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const init = await terraform(dir, 'init', '-backend=false', '-input=false', '-no-color');
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    const apply = await terraform(dir, 'apply', '-auto-approve', '-input=false', '-no-color');
    if (apply.code !== 0) throw new Error(`terraform apply failed:\n${apply.stderr}`);
    const out = await terraform(dir, 'output', '-json');
    const parsed = JSON.parse(out.stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `terraform plan` of a module made of variables.tf alone (no provider), with
 * the given -var arguments: exercises the variables' real validation rules.
 */
export async function planVariables(vars: Record<string, string>): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-vars-'));
  try {
    cpSync(path.join(terraformDir, 'variables.tf'), path.join(dir, 'variables.tf'));
    const init = await terraform(dir, 'init', '-backend=false', '-input=false', '-no-color');
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}`);
    const args = Object.entries(vars).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
    return await terraform(dir, 'plan', '-input=false', '-no-color', '-lock=false', ...args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The deployment bundle as modules/bundle-files selects it from this repository: its files and its hash (needs terraform). */
export async function bundleManifest(): Promise<{ files: string[]; hash: string }> {
  return (await evaluate(
    [
      'module "b" {',
      `  source    = ${JSON.stringify(path.join(terraformDir, 'modules/bundle-files'))}`,
      `  repo_root = ${JSON.stringify(repoRoot)}`,
      '}',
      'output "files" { value = module.b.files }',
      'output "hash" { value = module.b.hash }',
      '',
    ].join('\n'),
  )) as { files: string[]; hash: string };
}
