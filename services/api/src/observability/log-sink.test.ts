import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogSink } from './log-sink.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'log-sink-'));
  dirs.push(dir);
  return join(dir, 'out.log');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (index: number) => `${JSON.stringify({ index, pad: 'x'.repeat(80) })}\n`;
const indexes = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((row) => (JSON.parse(row) as { index: number }).index);

describe('LogSink', () => {
  it('holds lines until a batch has gathered or the timer fires, and flush() writes every one', async () => {
    const dest = tempFile();
    const sink = LogSink.buffered({ dest, bufferBytes: 1024 * 1024, flushIntervalMs: 60_000 });
    for (let index = 0; index < 3; index++) sink.write(line(index));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Under the batch size, and the timer is a minute away: nothing written yet.
    expect(readFileSync(dest, 'utf8')).toBe('');
    await sink.flush();
    expect(indexes(readFileSync(dest, 'utf8'))).toEqual([0, 1, 2]);
    sink.close();
  });

  it('writes on its timer when lines stop coming', async () => {
    const dest = tempFile();
    const sink = LogSink.buffered({ dest, bufferBytes: 1024 * 1024, flushIntervalMs: 20 });
    sink.write(line(7));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(indexes(readFileSync(dest, 'utf8'))).toEqual([7]);
    sink.close();
  });

  it('drops what does not fit a full buffer, counts every dropped line and says so, and keeps the rest in order', async () => {
    const dest = tempFile();
    const sink = LogSink.buffered({ dest, bufferBytes: 2048, flushIntervalMs: 60_000 });
    const reported: number[] = [];
    sink.onDrop((lines) => reported.push(lines));
    // 500 lines of about 100 bytes in one synchronous burst: the first write is still in flight, so most cannot fit.
    for (let index = 0; index < 500; index++) sink.write(line(index));
    await sink.flush();
    const kept = indexes(readFileSync(dest, 'utf8'));
    expect(sink.droppedLines).toBeGreaterThan(0);
    expect(kept.length + sink.droppedLines).toBe(500);
    expect(reported.reduce((sum, lines) => sum + lines, 0)).toBe(sink.droppedLines);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    sink.close();
  });

  it('writes a test stream line by line, at once', () => {
    const written: string[] = [];
    const sink = LogSink.forStream({ write: (chunk: string) => written.push(chunk) } as never);
    sink.write(line(1));
    expect(written).toEqual([line(1)]);
  });
});
