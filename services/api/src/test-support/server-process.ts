import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SERVER_ENTRY = fileURLToPath(new URL('../entry-points/server.ts', import.meta.url));

/** The real server entry point in its own Node process (through tsx), as `npm run dev` runs it. */
export class ServerProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    // A chunk of the pipe can end inside a line (the log writes in batches): keep the tail until its newline comes.
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      this.stdout.push(...lines.filter(Boolean));
    });
    child.stdout.on('end', () => {
      if (partial !== '') this.stdout.push(partial);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  static start(env: Record<string, string>): ServerProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'pipe',
    });
    return new ServerProcess(child);
  }

  /** Stop reading the child's stdout, as a stalled log collector would: once the pipe is full, its writes wait. */
  pauseStdout(): void {
    this.child.stdout.pause();
  }

  resumeStdout(): void {
    this.child.stdout.resume();
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The exit code, or null while the process runs. */
  exitCode(): number | null {
    return this.child.exitCode;
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** Parsed ECS lines written so far. */
  logLines(): Record<string, unknown>[] {
    return this.stdout.flatMap((text) => {
      try {
        return [JSON.parse(text) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
