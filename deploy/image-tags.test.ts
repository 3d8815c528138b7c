import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGES_FILE, images } from '@observable-todo/test-support/images';
import { parseCompose, repoRoot } from '@observable-todo/test-support/repo';

/**
 * Each image's version is written once, in deploy/compose/.env: compose files
 * name `${NAME_IMAGE:?...}`, Dockerfiles take their base as a build argument,
 * tests call image('NAME_IMAGE'), docs link to the file. This fails when
 * anything bypasses it, so an upgrade is one line and never tests one version
 * while shipping another.
 */
const ENV_FILE = path.relative(repoRoot, IMAGES_FILE);

// Text the repository's own authors write; the lock file and generated artifacts are not, and this file's samples are not references.
const SKIP = [/^package-lock\.json$/, /^artifacts\//, /\.(png|svg|ico|woff2?)$/, /^deploy\/image-tags\.test\.ts$/];

const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !SKIP.some((pattern) => pattern.test(file)));
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `repository:tag` of any image of the file, or of an image known to the stack's ecosystem but not (yet) in the file. */
function taggedMentions(): RegExp {
  const repositories = [...new Set(Object.values(images()).map((ref) => ref.slice(0, ref.lastIndexOf(':'))))].map(escape);
  const known = [
    String.raw`docker\.elastic\.co/[a-z]+/[a-z-]+`,
    String.raw`quay\.io/[a-z-]+/[a-z-]+`,
    String.raw`(?:grafana|prom|prometheuscommunity|fluent)/[a-z0-9-]+`,
    'postgres',
    'nginx',
    'node',
    'debian',
  ];
  // A tag starts with a digit or v1.2, or names a Debian release or a channel: not `node:fs` or `nginx:nginx` (a chown).
  return new RegExp(
    String.raw`(?<![\w./-])(${[...repositories, ...known].join('|')}):((?:v?\d|bookworm|trixie|stable|latest|mainline)[\w.-]*)`,
    'g',
  );
}
const MENTION = taggedMentions();

interface ComposeService {
  image?: string;
  build?: unknown;
}
/** Tracked compose files: YAML with a services map. */
function composeFiles(): { file: string; services: Record<string, ComposeService> }[] {
  return tracked
    .filter((file) => /\.ya?ml$/.test(file) && /^services:/m.test(read(file)))
    .map((file) => ({ file, services: parseCompose<{ services?: Record<string, ComposeService> }>(read(file))?.services ?? {} }))
    .filter(({ services }) => Object.keys(services).length > 0);
}

const VARIABLE = /\$\{([A-Z][A-Z0-9_]*_IMAGE)(?::?[-?][^}]*)?\}/g;

describe(`image versions: written once, in ${ENV_FILE}`, () => {
  it('holds one NAME_IMAGE=repository:tag per image', () => {
    const entries = Object.entries(images());
    expect(entries.length).toBeGreaterThan(10);
    for (const [name, ref] of entries) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*_IMAGE$/);
      expect(ref, name).toMatch(/^[a-z0-9./-]+:[\w][\w.-]*$/);
    }
    expect(new Set(Object.values(images())).size, 'two names for one image').toBe(entries.length);
  });

  it('is named with a tag by no other tracked file: compose files, Dockerfiles, tests, docs, Terraform, workflows', () => {
    const found = tracked
      .filter((file) => file !== ENV_FILE)
      .flatMap((file) => [...read(file).matchAll(MENTION)].map((match) => `${file}: ${match[0]}`));
    expect(found).toEqual([]);
  });

  it('gives every compose service that does not build its image a ${NAME_IMAGE} of the file', () => {
    const defined = images();
    const problems = composeFiles().flatMap(({ file, services }) =>
      Object.entries(services)
        .filter(([, service]) => service.image !== undefined && service.build === undefined)
        .filter(([, service]) => {
          const name = /^\$\{([A-Z][A-Z0-9_]*_IMAGE)(?::\?[^}]*)?\}$/.exec(service.image!)?.[1];
          return name === undefined || defined[name] === undefined;
        })
        .map(([name, service]) => `${file} ${name}: ${service.image}`),
    );
    expect(problems).toEqual([]);
  });

  it("builds every Dockerfile FROM a build argument of the file's, or from an earlier stage", () => {
    const dockerfiles = tracked.filter((file) => /(^|\/)Dockerfile(\.[\w-]+)?$/.test(file));
    expect(dockerfiles.length).toBeGreaterThan(0);
    const problems = dockerfiles.flatMap((file) => {
      const stages: string[] = [];
      return [...read(file).matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/gim)].flatMap(([line, base, stage]) => {
        const name = /^\$\{?([A-Z][A-Z0-9_]*_IMAGE)\}?$/.exec(base!)?.[1];
        const declared = name !== undefined && images()[name] !== undefined && new RegExp(`^ARG ${name}$`, 'm').test(read(file));
        const ok = stages.includes(base!) || declared;
        if (stage) stages.push(stage);
        return ok ? [] : [`${file}: ${line}`];
      });
    });
    expect(problems).toEqual([]);
  });

  it('defines every ${NAME_IMAGE} a tracked file uses, and every name it defines is used', () => {
    const used = new Map<string, string[]>();
    for (const file of tracked.filter((f) => f !== ENV_FILE)) {
      const text = read(file);
      // Compose and Dockerfile interpolation (TypeScript's own `${...}` are template literals, not these).
      const names = /\.[cm]?[jt]s$/.test(file) ? [] : [...text.matchAll(VARIABLE)].map((m) => m[1]!);
      // Tests and scripts name the variable itself: image('POSTGRES_IMAGE'), NGINX_IMAGE in a doc.
      for (const name of Object.keys(images())) if (new RegExp(`\\b${name}\\b`).test(text)) names.push(name);
      for (const name of names) used.set(name, [...(used.get(name) ?? []), file]);
    }
    const undefinedNames = [...used.keys()].filter((name) => images()[name] === undefined);
    expect(undefinedNames.map((name) => `${name} (${used.get(name)!.join(', ')})`)).toEqual([]);
    expect(Object.keys(images()).filter((name) => !used.has(name))).toEqual([]);
  });

  it('tells a tagged mention apart from builtins and user:group pairs (the scan is not vacuous)', () => {
    const sample =
      "FROM nginx:1.30\nimage: nginx:1.31\nimport 'node:fs'\nchown nginx:nginx\nimage: debian:trixie-slim\nprom/prometheus:v3.5.3";
    expect([...sample.matchAll(MENTION)].map(([, image, tag]) => `${image}:${tag}`)).toEqual([
      'nginx:1.30',
      'nginx:1.31',
      'debian:trixie-slim',
      'prom/prometheus:v3.5.3',
    ]);
    // The file's own references match, so a copy of one anywhere else would be found.
    for (const ref of Object.values(images())) expect(ref.match(MENTION), ref).toEqual([ref]);
  });
});
