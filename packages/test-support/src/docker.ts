import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

/** The `docker` CLI, the one way the suites run it. */

export interface DockerOptions {
  /** Working directory (compose files are named relative to it). */
  cwd?: string;
  /** Added to this process's environment, e.g. compose interpolation variables. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** What a `docker` command answered, its exit code included: for tests about commands that may fail. */
export interface DockerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);
// `docker logs`, `compose config --format json` and `inspect` of a whole stack exceed Node's 1 MiB default.
const MAX_BUFFER = 32 * 1024 * 1024;

function processOptions(options: DockerOptions) {
  return {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    maxBuffer: MAX_BUFFER,
    encoding: 'utf8' as const,
  };
}

/** `docker ARGS`: its stdout. Throws when it exits non-zero (the error's `stderr` says why). */
export async function docker(...args: string[]): Promise<string> {
  return dockerWith({}, ...args);
}

/** docker() in a working directory, with added environment variables or a timeout. */
export async function dockerWith(options: DockerOptions, ...args: string[]): Promise<string> {
  return (await execFileAsync('docker', args, processOptions(options))).stdout;
}

/** `docker ARGS` with its exit code instead of an exception (a timeout or a missing CLI still throws). */
export async function dockerResult(args: string[], options: DockerOptions = {}): Promise<DockerResult> {
  try {
    const { stdout, stderr } = await execFileAsync('docker', args, processOptions(options));
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { exitCode: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * dockerResult(), synchronously: for a skip decision taken while a file is
 * collected, and for tests that run a fixed sequence of commands. A missing
 * CLI reads as exit code -1.
 */
export function dockerSync(args: string[], options: DockerOptions = {}): DockerResult {
  const run = spawnSync('docker', args, processOptions(options));
  return { exitCode: run.status ?? -1, stdout: run.stdout ?? '', stderr: run.stderr ?? run.error?.message ?? '' };
}
