import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import MarkdownIt, { type Token } from 'markdown-it';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link and #anchor in every tracked Markdown file resolves, as
 * GitHub renders them: the file or folder exists, and an anchor is a heading's
 * slug (github-slugger, duplicates numbered) or an HTML id/name in the target.
 * markdown-it finds the links: inline, reference-style, in tables, images; not
 * in code. External links (any scheme: http, https, mailto) are not fetched.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const markdown = new MarkdownIt({ html: true });

const tracked = execFileSync('git', ['ls-files', '-z', '--', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '');

interface Link {
  from: string;
  line: number;
  href: string;
}

/** HTML attributes in raw HTML tokens: <a href="…">, <a id="…">, <img src="…">. */
function htmlAttributes(html: string, names: string[]): string[] {
  const pattern = new RegExp(`\\s(?:${names.join('|')})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'gi');
  return [...html.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? '');
}

/** The rendered text of a heading's inline token, as GitHub slugs it. */
function plainText(inline: Token): string {
  return (inline.children ?? [])
    .filter((child) => child.type === 'text' || child.type === 'code_inline' || child.type === 'html_inline')
    .map((child) => (child.type === 'html_inline' ? '' : child.content))
    .join('');
}

interface Parsed {
  links: Link[];
  anchors: Set<string>;
}

const parsedCache = new Map<string, Parsed>();

function parse(file: string): Parsed {
  const cached = parsedCache.get(file);
  if (cached) return cached;
  const tokens = markdown.parse(readFileSync(path.join(root, file), 'utf8'), {});
  const slugger = new GithubSlugger();
  const links: Link[] = [];
  const anchors = new Set<string>();
  // Inline tokens (and table cells) carry no line: they take the last block's.
  const visit = (list: Token[], line: number) => {
    let at = line;
    for (const token of list) {
      if (token.map) at = token.map[0] + 1;
      if (token.type === 'link_open') links.push({ from: file, line: at, href: String(token.attrGet('href') ?? '') });
      if (token.type === 'image') links.push({ from: file, line: at, href: String(token.attrGet('src') ?? '') });
      if (token.type === 'html_inline' || token.type === 'html_block') {
        for (const href of htmlAttributes(token.content, ['href', 'src'])) links.push({ from: file, line: at, href });
        for (const id of htmlAttributes(token.content, ['id', 'name'])) anchors.add(id);
      }
      if (token.children) visit(token.children, at);
    }
  };
  visit(tokens, 1);
  tokens.forEach((token, index) => {
    if (token.type === 'heading_open') anchors.add(slugger.slug(plainText(tokens[index + 1]!)));
  });
  const result = { links, anchors };
  parsedCache.set(file, result);
  return result;
}

/** Any scheme (http:, https:, mailto:, …) or a protocol-relative URL: not a file in this repository. */
const external = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//');

/** The repository-relative target of a relative link, or undefined for an external one. */
function target(link: Link): { file: string; anchor: string | undefined } | undefined {
  if (external(link.href)) return undefined;
  const hash = link.href.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? link.href : link.href.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(link.href.slice(hash + 1));
  const file =
    pathPart === ''
      ? link.from
      : path.posix.normalize(pathPart.startsWith('/') ? pathPart.slice(1) : path.posix.join(path.posix.dirname(link.from), pathPart));
  return { file: file.replace(/\/$/, '') || '.', anchor };
}

/** Why a relative link does not resolve, or undefined when it does. */
function problem(link: Link): string | undefined {
  const resolved = target(link);
  if (resolved === undefined) return undefined;
  const { file, anchor } = resolved;
  if (file.startsWith('..')) return 'points outside the repository';
  const absolute = path.join(root, file);
  if (!existsSync(absolute)) return `${file} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(absolute).isDirectory() || !file.endsWith('.md')) return `#${anchor}: anchors are checked in Markdown files only`;
  return parse(file).anchors.has(anchor) ? undefined : `no heading or id "${anchor}" in ${file}`;
}

/** What one click from a page reaches: linked Markdown files; a folder shows its README and lists its files. */
function reachable(from: string): string[] {
  const next: string[] = [];
  for (const link of parse(from).links) {
    const resolved = target(link);
    if (resolved === undefined || problem(link) !== undefined) continue;
    const absolute = path.join(root, resolved.file);
    if (statSync(absolute).isDirectory()) {
      next.push(
        ...readdirSync(absolute)
          .filter((name) => name.endsWith('.md'))
          .map((name) => path.posix.join(resolved.file, name)),
      );
    } else if (resolved.file.endsWith('.md')) {
      next.push(resolved.file);
    }
  }
  return next;
}

describe('links in the Markdown files', () => {
  it('finds the tracked Markdown files and their links, so the scan itself is known to work', () => {
    expect(tracked).toEqual(expect.arrayContaining(['README.md', 'services/api/README.md', 'monitoring/README.md']));
    expect(parse('README.md').links.length).toBeGreaterThan(10);
    expect(parse('README.md').anchors).toContain('what-you-get');
  });

  it('every relative link and #anchor resolves', () => {
    const broken = tracked
      .flatMap((file) => parse(file).links)
      .map((link) => ({ link, why: problem(link) }))
      .filter(({ why }) => why !== undefined)
      .map(({ link, why }) => `${link.from}:${link.line}: ${link.href}: ${why}`);
    expect(broken).toEqual([]);
  });

  it('every Markdown file is at most two clicks from the root README', () => {
    const seen = new Set(['README.md']);
    let frontier = ['README.md'];
    for (let click = 1; click <= 2; click += 1) {
      frontier = frontier.flatMap(reachable).filter((file) => !seen.has(file));
      frontier.forEach((file) => seen.add(file));
    }
    expect(tracked.filter((file) => !seen.has(file))).toEqual([]);
  });
});
