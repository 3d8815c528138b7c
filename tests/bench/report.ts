// Output of `npm run bench`: the console, and artifacts/bench/ (JSON and a Markdown table).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measured, Spread } from './runner.js';

export const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
const fmt = (value: number, digits = 0): string => value.toFixed(digits);
export const showSpread = (s: Spread, digits = 0): string => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export class Report {
  readonly sections: { title: string; rows: string[][]; notes: string[] }[] = [];
  readonly targets: Target[] = [];
  readonly data: Record<string, unknown> = {};

  section(title: string, rows: string[][], notes: string[] = []): void {
    this.sections.push({ title, rows, notes });
    console.log(`\n${title}`);
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows) {
      console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    }
    for (const note of notes) console.log(note);
  }

  target(name: string, met: boolean, detail: string): void {
    this.targets.push({ name, met, detail });
  }

  /** Rows of a comparison: median (min–max) over the rounds. */
  static measuredRows(measured: Measured[]): string[][] {
    const cpu = measured.some((m) => m.cpuUs !== undefined);
    return [
      [
        'contender',
        'req/s saturated',
        ...(cpu ? ['CPU µs/req'] : []),
        'p50 ms sat.',
        'p99 ms sat.',
        'fixed rate req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx/errors',
      ],
      ...measured.map((m) => [
        m.name,
        showSpread(m.rps),
        ...(cpu ? [m.cpuUs === undefined ? '' : showSpread(m.cpuUs)] : []),
        showSpread(m.p50AtSaturation, 1),
        showSpread(m.p99AtSaturation, 1),
        String(m.rate),
        showSpread(m.p50, 2),
        showSpread(m.p99, 2),
        String(m.failures),
      ]),
    ];
  }

  finish(directory: string, header: string[]): void {
    console.log('\nTargets (printed, never failing a build):');
    for (const target of this.targets) console.log(`${target.met ? 'PASS' : 'FAIL'}  ${target.name}: ${target.detail}`);
    mkdirSync(directory, { recursive: true });
    const markdown = [
      '# API benchmark',
      '',
      ...header.map((line) => `${line}  `),
      ...this.sections.flatMap((section) => [
        '',
        `## ${section.title}`,
        '',
        `| ${section.rows[0]!.join(' | ')} |`,
        `| --- |${' ---: |'.repeat(section.rows[0]!.length - 1)}`,
        ...section.rows.slice(1).map((row) => `| ${row.join(' | ')} |`),
        ...(section.notes.length > 0 ? ['', ...section.notes] : []),
      ]),
      '',
      '## Targets',
      '',
      ...this.targets.map((target) => `- **${target.met ? 'PASS' : 'FAIL'}** ${target.name}: ${target.detail}`),
      '',
    ].join('\n');
    writeFileSync(join(directory, 'bench.md'), markdown);
    writeFileSync(join(directory, 'bench.json'), `${JSON.stringify({ header, ...this.data, targets: this.targets }, null, 2)}\n`);
    console.log(`\nsaved ${join(directory, 'bench.md')} and bench.json`);
  }
}
