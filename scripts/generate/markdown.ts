/**
 * A Markdown table in the compact form every hand-written table of these docs
 * uses (`| a | b |`, delimiter `| --- |`): Markdown is not run through the
 * formatter (see .prettierignore), and padded columns would make a table of
 * long descriptions hundreds of characters wide.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(`table row has ${row.length} cells, the header ${header.length}: ${row.join(' | ')}`);
    }
  }
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
