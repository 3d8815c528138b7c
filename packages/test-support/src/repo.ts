import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, YAMLMap, YAMLSeq, type Tags } from 'yaml';

/** The repository itself: its root, its files listed and read, YAML and compose files parsed. */

/** Repository root, whatever directory the tests run from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Compose's own YAML tags (docs.docker.com/reference/compose-file/merge:
 * `!override` replaces a merged value, `!reset` removes it). They are not YAML
 * core tags, so a plain parse warns about each; these read the value as
 * written (`!reset` of a scalar as null), which is what a test of one file wants.
 */
export const COMPOSE_YAML_TAGS: Tags = [
  { tag: '!override', collection: 'map', nodeClass: YAMLMap },
  { tag: '!override', collection: 'seq', nodeClass: YAMLSeq },
  { tag: '!reset', collection: 'map', nodeClass: YAMLMap },
  { tag: '!reset', collection: 'seq', nodeClass: YAMLSeq },
  { tag: '!reset', resolve: () => null },
];

/** One compose file as written, with Compose's tags and YAML merge keys. */
export function parseCompose<T = unknown>(text: string): T {
  return parse(text, { merge: true, customTags: COMPOSE_YAML_TAGS }) as T;
}

export function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(dir, name));
}

export function readYaml<T>(file: string): T {
  return parse(readFileSync(file, 'utf8')) as T;
}

export function fileExists(relativeToRepo: string): boolean {
  return existsSync(path.join(repoRoot, relativeToRepo));
}

export function readRepoFile(relativeToRepo: string): string {
  return readFileSync(path.join(repoRoot, relativeToRepo), 'utf8');
}

/** A YAML file of the repository, YAML merge keys (`<<: *anchor`) applied, as the compose files share settings. */
export function readRepoYaml<T>(relativeToRepo: string): T {
  return parse(readRepoFile(relativeToRepo), { merge: true }) as T;
}

export function readRepoJson<T>(relativeToRepo: string): T {
  return JSON.parse(readRepoFile(relativeToRepo)) as T;
}
