/**
 * Generated blocks in Markdown:
 *
 *     <!-- generated:NAME (npm run docs) -->
 *     ...written by `npm run docs`...
 *     <!-- /generated:NAME -->
 *
 * Each marker is a line of its own (leading and trailing blanks allowed).
 * Lines inside fenced code blocks are not markers, and neither is a marker
 * quoted inside a sentence, so a document may show the syntax. A line that
 * starts like a marker but is not exactly one is an error, as are unbalanced
 * or nested markers: a typo must not silently stop a block from being written.
 */

export interface Block {
  name: string;
  /** 1-based line numbers of the two markers. */
  startLine: number;
  endLine: number;
}

const START = /^<!-- generated:([a-z][a-z0-9-]*) \(npm run docs\) -->$/;
const END = /^<!-- \/generated:([a-z][a-z0-9-]*) -->$/;
const MARKER_LIKE = /^<!--\s*\/?\s*generated\s*:/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export const startMarker = (name: string) => `<!-- generated:${name} (npm run docs) -->`;
export const endMarker = (name: string) => `<!-- /generated:${name} -->`;

export class MarkerError extends Error {
  override name = 'MarkerError';
}

/** The generated blocks of one Markdown file, in order; throws on a malformed, unbalanced or unknown marker. */
export function findBlocks(text: string, file: string, known: ReadonlySet<string>): Block[] {
  const blocks: Block[] = [];
  let open: { name: string; line: number } | undefined;
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    const fenceMatch = FENCE.exec(raw);
    if (fenceMatch !== null) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && raw.trim() === marker) fence = undefined;
      return;
    }
    if (fence !== undefined || !MARKER_LIKE.test(line)) return;
    const where = `${file}:${lineNo}`;
    const start = START.exec(line);
    const end = END.exec(line);
    if (start === null && end === null) {
      throw new MarkerError(`${where}: malformed marker "${line}"; expected "${startMarker('NAME')}" or "${endMarker('NAME')}"`);
    }
    const name = (start ?? end)![1]!;
    if (!known.has(name)) {
      throw new MarkerError(`${where}: unknown generated block "${name}"; known: ${[...known].sort().join(', ')}`);
    }
    if (start !== null) {
      if (open !== undefined)
        throw new MarkerError(`${where}: block "${name}" starts inside block "${open.name}" (line ${open.line}), which has no end yet`);
      open = { name, line: lineNo };
    } else {
      if (open === undefined) throw new MarkerError(`${where}: end of block "${name}" without its start`);
      if (open.name !== name) throw new MarkerError(`${where}: end of block "${name}" inside block "${open.name}" (line ${open.line})`);
      blocks.push({ name, startLine: open.line, endLine: lineNo });
      open = undefined;
    }
  });
  if (open !== undefined) throw new MarkerError(`${file}:${open.line}: block "${open.name}" has no end marker (${endMarker(open.name)})`);
  return blocks;
}

/**
 * The file with every block's content replaced by `render(name)`, set off by
 * one blank line on each side (as a Markdown formatter puts it between an
 * HTML comment and a table). Everything outside the blocks stays as it was.
 */
export function replaceBlocks(text: string, file: string, render: ReadonlyMap<string, string>): string {
  const blocks = findBlocks(text, file, new Set(render.keys()));
  const lines = text.split('\n');
  // From the last block up, so earlier line numbers stay valid.
  for (const block of [...blocks].reverse()) {
    const content = render.get(block.name)!.replace(/\n+$/, '');
    lines.splice(block.startLine, block.endLine - block.startLine - 1, '', ...content.split('\n'), '');
  }
  return lines.join('\n');
}
