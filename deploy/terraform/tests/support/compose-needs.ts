import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseCompose } from '@observable-todo/test-support/repo';

/**
 * The repository files a compose file needs at `docker compose up --build`,
 * derived from the files themselves: every `include`, each build's Dockerfile,
 * .dockerignore and what its COPY/ADD instructions take from the context (less
 * what .dockerignore drops), the sources of bind mounts, and the `file:` of
 * secrets and configs and `env_file`s that lie in the repository. Paths under
 * the host's own filesystem (/proc, /) and defaults like /dev/null are not
 * repository files. Tests (*.test.ts, tests/, test-support/) and documentation (*.md)
 * in a mounted directory are not part of the stack and are left out, as the
 * bundle leaves them out.
 */
export function composeNeeds(repoRoot: string, composeFiles: string[]): string[] {
  const needed = new Set<string>();
  const seen = new Set<string>();

  const inRepo = (absolute: string) => {
    const rel = path.relative(repoRoot, absolute);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
  };
  const isStackFile = (rel: string) => !/(^|\/)(test-support|tests)\//.test(rel) && !rel.endsWith('.test.ts') && !rel.endsWith('.md');

  /** Adds a file, or every file below a directory; a missing path is an error (compose would create an empty directory). */
  const addPath = (absolute: string, why: string, filter: (rel: string) => boolean = isStackFile) => {
    const rel = inRepo(absolute);
    if (rel === undefined) return;
    if (!existsSync(absolute)) throw new Error(`${why}: ${rel} does not exist`);
    if (statSync(absolute).isDirectory()) {
      for (const entry of readdirSync(absolute)) addPath(path.join(absolute, entry), why, filter);
    } else if (filter(rel)) {
      needed.add(rel);
    }
  };

  // includeBase: Compose resolves the `include` paths of a file given with -f
  // against the project directory (the first file's), those of an included
  // file against its own directory.
  const visit = (file: string, includeBase = path.dirname(file)) => {
    if (seen.has(file)) return;
    seen.add(file);
    addPath(file, 'compose file');
    const dir = path.dirname(file);
    const doc = parseCompose<ComposeDoc | null>(readFileSync(file, 'utf8')) ?? {};

    for (const entry of doc.include ?? []) {
      const paths = typeof entry === 'string' ? [entry] : [entry.path].flat();
      for (const p of paths) visit(path.resolve(includeBase, interpolate(p)));
      const envFiles = typeof entry === 'string' ? [] : [entry.env_file ?? []].flat();
      for (const env of envFiles) addPath(path.resolve(dir, interpolate(env)), `${file} include env_file`);
      // Without env_file, Compose reads the .env next to the included file (deploy/compose/.env: the image versions).
      if (envFiles.length === 0) {
        for (const p of paths) {
          const dotenv = path.join(path.dirname(path.resolve(includeBase, interpolate(p))), '.env');
          if (existsSync(dotenv)) addPath(dotenv, `${file} include .env`);
        }
      }
    }

    for (const [name, service] of Object.entries(doc.services ?? {})) {
      // A service behind a profile (k6's `loadtest`) is not started by `up`: it runs
      // from an operator's checkout, so its files are not the host's.
      if ((service.profiles ?? []).length > 0) continue;
      const why = `${path.relative(repoRoot, file)} service ${name}`;
      if (service.build !== undefined) {
        const build = typeof service.build === 'string' ? { context: service.build } : service.build;
        const context = path.resolve(dir, interpolate(build.context ?? '.'));
        const dockerfile = path.resolve(context, interpolate(build.dockerfile ?? 'Dockerfile'));
        addPath(dockerfile, `${why} build`);
        const ignore = path.join(context, '.dockerignore');
        const ignored = existsSync(ignore) ? dockerignore(readFileSync(ignore, 'utf8')) : () => false;
        if (existsSync(ignore)) addPath(ignore, `${why} build`);
        for (const source of copySources(readFileSync(dockerfile, 'utf8'))) {
          addPath(
            path.resolve(context, source),
            `${why} COPY ${source}`,
            (rel) => !ignored(path.relative(context, path.join(repoRoot, rel))),
          );
        }
      }
      for (const volume of service.volumes ?? []) {
        // Interpolated before splitting: a default such as ${X:-../dir} holds a colon.
        const source =
          typeof volume === 'string' ? interpolate(volume).split(':')[0]! : volume.type === 'bind' ? (volume.source ?? '') : '';
        // A required variable (${X:?...}) names a file deploy.sh writes on the
        // host (an SSM secret), never a repository file.
        if (/\$\{[A-Za-z_][A-Za-z0-9_]*:\?/.test(source)) continue;
        // Named volumes have no path; bind mounts start with . / ~ or a variable.
        if (/^[./~$]/.test(source)) addPath(path.resolve(dir, interpolate(source)), `${why} volume ${source}`);
      }
      for (const env of [service.env_file ?? []].flat()) {
        addPath(path.resolve(dir, interpolate(typeof env === 'string' ? env : env.path)), `${why} env_file`);
      }
    }

    for (const kind of ['secrets', 'configs'] as const) {
      for (const [name, item] of Object.entries(doc[kind] ?? {})) {
        if (item.file !== undefined) addPath(path.resolve(dir, interpolate(item.file)), `${kind} ${name}`);
      }
    }
  };

  for (const file of composeFiles) visit(path.resolve(repoRoot, file), repoRoot);
  return [...needed].sort();
}

interface ComposeDoc {
  include?: (string | { path: string | string[]; env_file?: string | string[] })[];
  services?: Record<
    string,
    {
      profiles?: string[];
      build?: string | { context?: string; dockerfile?: string };
      volumes?: (string | { type?: string; source?: string })[];
      env_file?: string | (string | { path: string })[];
    }
  >;
  secrets?: Record<string, { file?: string }>;
  configs?: Record<string, { file?: string }>;
}

/** Compose's interpolation with every variable unset: ${X:-default} and ${X-default} give the default. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '')
    .replaceAll('$$', '$');
}

/** The context paths COPY and ADD take (not --from=stage copies), sources only. */
export function copySources(dockerfile: string): string[] {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const sources: string[] = [];
  for (const line of lines) {
    const match = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!match) continue;
    let args = match[2]!.trim();
    const flags = [...args.matchAll(/--[a-z-]+(=\S+)?\s+/g)];
    if (flags.some((f) => f[0].startsWith('--from'))) continue;
    args = args.replace(/^(--[a-z-]+(=\S+)?\s+)+/, '');
    const parts = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    sources.push(...parts.slice(0, -1));
  }
  return sources;
}

/** A .dockerignore as a predicate on context-relative paths (a matched directory drops what is below it). */
export function dockerignore(text: string): (rel: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), regex: globRegex(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  return (rel) => {
    const prefixes = rel.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
    }
    return ignored;
  };
}

function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith('**/', i)) {
      out += '(.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
