import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * What the compose files let a user set: every `${VAR...}` they interpolate,
 * and every port they publish. Read from the parsed YAML values, as Compose
 * interpolates them (comments are not), with Compose's syntax: `$$` is a
 * literal `$`; `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `${VAR:+other}`, `${VAR+other}` and `$VAR`.
 */

export interface ComposeFile {
  /** Relative to the repository root, with `/`. */
  path: string;
  doc: unknown;
}

export interface Variable {
  name: string;
  /** The default Compose substitutes when the variable is unset or empty; '' for none. */
  default: string;
  /** `${VAR:?message}`: Compose refuses to start without it. */
  required: boolean;
  /** Where it is used: `deploy/compose/app.yaml services.api.environment.LOG_LEVEL`. */
  uses: string[];
}

export interface PublishedPort {
  variable: string;
  hostPort: number;
  containerPort: number;
  file: string;
  service: string;
}

/** The root compose.yaml and every compose file in deploy/compose, sorted by path. */
export function readComposeFiles(root: string): ComposeFile[] {
  const paths = [
    'compose.yaml',
    ...readdirSync(join(root, 'deploy/compose'))
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `deploy/compose/${name}`),
  ].sort();
  return paths.map((path) => ({ path, doc: parse(readFileSync(join(root, path), 'utf8')) as unknown }));
}

/** Each string value in a parsed YAML document, with its dotted path. */
function* strings(node: unknown, path: string): Generator<[string, string]> {
  if (typeof node === 'string') yield [path, node];
  else if (Array.isArray(node)) for (const [index, item] of node.entries()) yield* strings(item, `${path}[${index}]`);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) yield* strings(value, path === '' ? key : `${path}.${key}`);
  }
}

interface Use {
  name: string;
  default: string;
  required: boolean;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const TOKEN = new RegExp(`\\$(?:(\\$)|\\{([^}]*)\\}|(${NAME}))`, 'g');
const BRACED = new RegExp(`^(${NAME})(?:(:?[-?+])([\\s\\S]*))?$`);

/** The variables one string interpolates; throws on what Compose would not read the same way. */
export function interpolations(value: string, where: string): Use[] {
  const uses: Use[] = [];
  for (const match of value.matchAll(TOKEN)) {
    const [, dollar, braced, bare] = match;
    if (dollar !== undefined) continue;
    if (bare !== undefined) {
      uses.push({ name: bare, default: '', required: false });
      continue;
    }
    if (braced!.includes('$')) throw new Error(`${where}: nested interpolation "\${${braced}}" is not supported by npm run docs`);
    const parts = BRACED.exec(braced!);
    if (parts === null) throw new Error(`${where}: cannot read the interpolation "\${${braced}}"`);
    const [, name, operator = '', argument = ''] = parts;
    const isDefault = operator === ':-' || operator === '-';
    uses.push({ name: name!, default: isDefault ? argument : '', required: operator.endsWith('?') });
  }
  return uses;
}

/** Every variable the files interpolate, sorted by name; throws when two uses disagree on the default. */
export function scanVariables(files: readonly ComposeFile[]): Variable[] {
  const found = new Map<string, Variable>();
  for (const file of files) {
    for (const [path, value] of strings(file.doc, '')) {
      const where = `${file.path} ${path}`;
      for (const use of interpolations(value, where)) {
        const known = found.get(use.name);
        if (known === undefined) {
          found.set(use.name, { ...use, uses: [where] });
          continue;
        }
        if (known.default !== use.default || known.required !== use.required) {
          throw new Error(
            `${use.name} has two defaults: ${JSON.stringify(known.default)} (${known.uses[0]}) ` +
              `and ${JSON.stringify(use.default)} (${where}); ` +
              'make them one',
          );
        }
        known.uses.push(where);
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const PORT = /^127\.0\.0\.1:\$\{([A-Z][A-Z0-9_]*_PORT):-(\d+)\}:(\d+)$/;

/** Every published port, sorted by variable; throws on one not written `127.0.0.1:${X_PORT:-N}:M`. */
export function publishedPorts(files: readonly ComposeFile[]): PublishedPort[] {
  const ports: PublishedPort[] = [];
  for (const file of files) {
    const services = (file.doc as { services?: Record<string, { ports?: unknown[] } | null> } | null)?.services ?? {};
    for (const [service, definition] of Object.entries(services)) {
      for (const entry of definition?.ports ?? []) {
        const match = typeof entry === 'string' ? PORT.exec(entry) : null;
        if (match === null) {
          throw new Error(
            `${file.path} services.${service}.ports: ${JSON.stringify(entry)} is not written 127.0.0.1:\${NAME_PORT:-N}:M, ` +
              'so the README port table and .env.example cannot list it',
          );
        }
        ports.push({ variable: match[1]!, hostPort: Number(match[2]), containerPort: Number(match[3]), file: file.path, service });
      }
    }
  }
  const seen = new Map<string, PublishedPort>();
  for (const port of ports) {
    const other = seen.get(port.variable);
    if (other !== undefined)
      throw new Error(`${port.variable} publishes two ports: ${other.file} (${other.service}) and ${port.file} (${port.service})`);
    seen.set(port.variable, port);
  }
  return ports.sort((a, b) => (a.variable < b.variable ? -1 : 1));
}

/** The compose files the root compose.yaml includes (the stack's default), relative to the root. */
export function includedFiles(files: readonly ComposeFile[]): Set<string> {
  const rootFile = files.find((file) => file.path === 'compose.yaml');
  const include = (rootFile?.doc as { include?: unknown[] } | undefined)?.include ?? [];
  return new Set(
    include.map((entry) => {
      const path = typeof entry === 'string' ? entry : (entry as { path?: unknown }).path;
      if (typeof path !== 'string') throw new Error(`compose.yaml include: cannot read the entry ${JSON.stringify(entry)}`);
      return path.replace(/^\.\//, '');
    }),
  );
}
