import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDocs } from '@observable-todo/api/config';
import { includedFiles, publishedPorts, readComposeFiles, scanVariables } from './compose.ts';
import { envExample } from './env-example.ts';
import { markdownTable } from './markdown.ts';
import { findBlocks, replaceBlocks } from './markers.ts';
import { objectivesModule, readObjectives, readRuleFiles } from './objectives.ts';
import { labelPorts, portsTable, type LabelledPort } from './ports.ts';
import { terraformMemoryTable } from './terraform-memory.ts';

/** One file `npm run docs` writes, with the content it should have. */
export interface Output {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

/** The Markdown blocks, by name: what `<!-- generated:NAME (npm run docs) -->` may name. */
export function renderBlocks(root: string, ports: readonly LabelledPort[]): Map<string, string> {
  const config = configDocs().map((doc) => [`\`${doc.name}\``, doc.default, doc.description]);
  return new Map([
    ['api-config', markdownTable(['variable', 'default', 'meaning'], config)],
    ['ports', portsTable(ports)],
    ['terraform-memory', terraformMemoryTable(root)],
  ]);
}

/** Markdown files that git tracks or would track (not ignored), sorted; a file deleted from the work tree is skipped. */
export function markdownFiles(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.md'], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(listed.split('\0').filter((path) => path !== '' && existsSync(join(root, path))))].sort();
}

/**
 * Everything `npm run docs` writes, computed in memory from the sources in
 * `root`: the Markdown files that have generated blocks, .env.example and
 * loadtest/lib/objectives.ts. Reads no environment variable.
 */
export function generate(root: string): Output[] {
  const compose = readComposeFiles(root);
  const ports = labelPorts(publishedPorts(compose), includedFiles(compose));
  const blocks = renderBlocks(root, ports);
  const known = new Set(blocks.keys());
  const outputs: Output[] = [];
  const placed = new Set<string>();
  for (const path of markdownFiles(root)) {
    const text = readFileSync(join(root, path), 'utf8');
    const found = findBlocks(text, path, known);
    if (found.length === 0) continue;
    for (const block of found) placed.add(block.name);
    outputs.push({ path, content: replaceBlocks(text, path, blocks) });
  }
  const missing = [...known].filter((name) => !placed.has(name));
  if (missing.length > 0) throw new Error(`no Markdown file has the generated block(s) ${missing.join(', ')}: place their markers`);

  outputs.push({ path: '.env.example', content: envExample(scanVariables(compose), ports) });
  outputs.push({ path: 'loadtest/lib/objectives.ts', content: objectivesModule(readObjectives(readRuleFiles(root))) });
  return outputs.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The first line where `actual` (undefined: no such file) differs from `expected`, or undefined when they are equal. */
export function firstDifference(expected: string, actual: string | undefined): string | undefined {
  if (expected === actual) return undefined;
  if (actual === undefined) return 'the file does not exist';
  const want = expected.split('\n');
  const have = actual.split('\n');
  const index = want.findIndex((line, i) => line !== have[i]);
  const at = index === -1 ? want.length : index;
  return `line ${at + 1}: expected ${JSON.stringify(want[at] ?? '(end of file)')}, found ${JSON.stringify(have[at] ?? '(end of file)')}`;
}

/** A file's committed content, or undefined when it does not exist. */
export function readCommitted(root: string, path: string): string | undefined {
  const file = join(root, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
