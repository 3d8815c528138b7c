import path from 'node:path';
import { dockerResult, type DockerResult } from '@observable-todo/test-support/docker';
import { repoRoot } from '@observable-todo/test-support/repo';

/** The logging suite's own helpers; what other suites share is in @observable-todo/test-support. */

export const loggingDir = path.join(repoRoot, 'logging');

export type RunResult = DockerResult;

/** `docker run --rm ARGS`, with its exit code instead of an exception. */
export function dockerRun(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return dockerResult(['run', '--rm', ...args], { timeoutMs });
}
