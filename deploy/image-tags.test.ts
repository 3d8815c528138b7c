import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@observable-todo/test-support/repo';

/**
 * An image's tag is written where each tool needs it: a compose file, a
 * Dockerfile's FROM, a test that runs the image alone, the docs. The compose
 * files and Dockerfiles are the sources; this keeps every other mention on the
 * same tag, so an upgrade that misses one fails here instead of testing one
 * version and shipping another.
 */
const IMAGE = new RegExp(
  String.raw`(?<![\w./-])(` +
    [
      String.raw`docker\.elastic\.co/[a-z]+/[a-z-]+`,
      String.raw`quay\.io/[a-z-]+/[a-z-]+`,
      String.raw`(?:grafana|prom|prometheuscommunity|fluent)/[a-z-]+`,
      String.raw`nginx/nginx-prometheus-exporter`,
      'postgres',
      'nginx',
      'node',
      'debian',
    ].join('|') +
    // A tag starts with a digit or v1.2, or names a Debian release: not `node:fs` or `nginx:nginx` (a chown).
    String.raw`):((?:v?\d|bookworm|trixie)[\w.-]*)`,
  'g',
);

// Text the repository's own authors write; the lock file and generated artifacts are not, and this file's samples drift on purpose.
const SKIP = [/^package-lock\.json$/, /^artifacts\//, /\.(png|svg|ico|woff2?)$/, /^deploy\/image-tags\.test\.ts$/];

function mentions(): Map<string, Map<string, string[]>> {
  const files = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '' && !SKIP.some((pattern) => pattern.test(file)));
  const tags = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const [, image, tag] of text.matchAll(IMAGE)) {
      const byTag = tags.get(image!) ?? new Map<string, string[]>();
      byTag.set(tag!, [...(byTag.get(tag!) ?? []), file]);
      tags.set(image!, byTag);
    }
  }
  return tags;
}

describe('image tags across the repository', () => {
  const found = mentions();

  it('finds the images the stack runs, so the scan itself is known to work', () => {
    expect([...found.keys()]).toEqual(
      expect.arrayContaining(['postgres', 'nginx', 'node', 'prom/prometheus', 'prom/alertmanager', 'grafana/grafana', 'docker.elastic.co/elasticsearch/elasticsearch', 'fluent/fluent-bit']),
    );
  });

  it('names one tag per image everywhere: compose files, Dockerfiles, tests and docs', () => {
    const drifted = [...found].filter(([, byTag]) => byTag.size > 1).map(([image, byTag]) => ({ image, tags: Object.fromEntries(byTag) }));
    expect(drifted).toEqual([]);
  });

  it('tells a drifted mention apart (the pattern reads tags, not builtins or user:group pairs)', () => {
    const sample = "FROM nginx:1.30\nimage: nginx:1.31\nimport 'node:fs'\nchown nginx:nginx\nimage: debian:trixie-slim\nprom/prometheus:v3.5.3";
    expect([...sample.matchAll(IMAGE)].map(([, image, tag]) => `${image}:${tag}`)).toEqual([
      'nginx:1.30',
      'nginx:1.31',
      'debian:trixie-slim',
      'prom/prometheus:v3.5.3',
    ]);
  });
});
