/**
 * A Markdown table as Prettier 3 writes it (columns padded to their widest
 * cell, the delimiter row dashed to the same width), so a formatter pass over
 * the Markdown leaves generated blocks unchanged and `npm run docs` leaves the
 * formatter's work unchanged.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(`table row has ${row.length} cells, the header ${header.length}: ${row.join(' | ')}`);
    }
  }
  const escaped = [header, ...rows].map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  // Code points, as Prettier counts a narrow character; at least 3, the delimiter's minimum.
  const width = (cell: string) => [...cell].length;
  const widths = header.map((_, column) => Math.max(3, ...escaped.map((row) => width(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat(widths[column]! - width(cell))).join(' | ')} |`;
  const [head, ...body] = escaped;
  return [line(head!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
