import type { Writable } from 'node:stream';
import sonicBoom, { type SonicBoom } from 'sonic-boom';

// A CommonJS module whose one export is the class: Node's ESM loader sees only `default`.
const SonicBoomClass = sonicBoom as unknown as typeof SonicBoom;

export interface LogSinkOptions {
  /** Most bytes held while the destination is slower than the lines arrive; a line that does not fit is dropped and counted. */
  bufferBytes: number;
  /** Buffered lines are written at least this often, and at once when a batch's worth has gathered. */
  flushIntervalMs: number;
  /** A file descriptor (1: stdout) or a file path; tests write to a file. */
  fd?: number;
  dest?: string;
}

/** Bytes gathered before a write without waiting for the timer; sonic-boom caps one write at 16 KiB (maxWrite). */
const BATCH_BYTES = 8 * 1024;

/**
 * Where every log line of the process goes: stdout, in batches. A container's
 * stdout is a pipe to the Docker daemon; one write call per line (winston's
 * Console transport, through process.stdout) was a share of each request's
 * CPU. Lines are gathered in sonic-boom (pino's destination, fs.write on the
 * descriptor, never blocking the event loop) and written when BATCH_BYTES have
 * gathered or every `flushIntervalMs`, whichever comes first: at 1,000 requests
 * a second that is about one write per 25 lines.
 *
 * Bounded: while the daemon does not read, at most `bufferBytes` wait; a line
 * that would exceed it is dropped, counted (`droppedLines`, exposed as
 * `log_lines_dropped_total`) and reported through `onDrop`. `flush()` writes
 * everything before a clean exit (server.ts awaits it after SIGTERM).
 *
 * A test that captures lines passes a Writable instead (LogSink.forStream):
 * then each line is written to it as it comes, unbuffered.
 */
export class LogSink {
  droppedLines = 0;
  private readonly boom: SonicBoom | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private readonly dropListeners: ((lines: number) => void)[] = [];
  private readonly writeListeners: (() => void)[] = [];

  private constructor(
    options: LogSinkOptions | undefined,
    private readonly stream?: Writable,
  ) {
    if (options === undefined) return;
    const boom = new SonicBoomClass({
      ...(options.dest === undefined ? { fd: options.fd ?? 1 } : { dest: options.dest }),
      minLength: Math.min(BATCH_BYTES, Math.floor(options.bufferBytes / 2)),
      maxLength: options.bufferBytes,
    });
    boom.on('drop', (data: string) => {
      let lines = 0;
      for (let index = data.indexOf('\n'); index !== -1; index = data.indexOf('\n', index + 1)) lines += 1;
      this.droppedLines += lines;
      for (const listener of this.dropListeners) listener(lines);
    });
    boom.on('write', () => {
      for (const listener of this.writeListeners) listener();
    });
    // Our own timer rather than sonic-boom's periodicFlush, which writes even when nothing is buffered.
    this.timer = setInterval(() => {
      if (!this.dirty) return;
      this.dirty = false;
      boom.flush();
    }, options.flushIntervalMs).unref();
    this.boom = boom;
  }

  /** Buffered stdout (or a file), for the running service. */
  static buffered(options: LogSinkOptions): LogSink {
    return new LogSink(options);
  }

  /** Every line written to `stream` at once: for tests that read the lines they cause. */
  static forStream(stream: Writable): LogSink {
    return new LogSink(undefined, stream);
  }

  /** One line, with its newline. */
  write(line: string): void {
    if (this.boom === undefined) {
      this.stream!.write(line);
      return;
    }
    this.dirty = true;
    this.boom.write(line);
  }

  /** `lines` were dropped because the buffer was full. */
  onDrop(listener: (lines: number) => void): void {
    this.dropListeners.push(listener);
  }

  /** A batch reached the destination: the buffer has room again. */
  onWrite(listener: () => void): void {
    this.writeListeners.push(listener);
  }

  /** Resolves once every line written so far has reached the destination. */
  flush(): Promise<void> {
    const boom = this.boom;
    if (boom === undefined) return Promise.resolve();
    this.dirty = false;
    return new Promise((resolve, reject) => boom.flush((error?: Error) => (error ? reject(error) : resolve())));
  }

  /**
   * Last resort on a sudden exit (process.exit after an uncaught exception):
   * writes what is buffered, synchronously. A batch already on its way may
   * then arrive after it; a clean shutdown uses flush().
   */
  flushSync(): void {
    try {
      this.boom?.flushSync();
    } catch {
      // Nothing left to tell it to: stdout is gone.
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
