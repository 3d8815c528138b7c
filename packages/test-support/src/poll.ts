import { setTimeout as sleep } from 'node:timers/promises';

/** Retries `probe` until it returns a value `accept` takes, or the budget runs out (then throws with the last value). */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 250);
  }
  const errorPart = lastError instanceof Error ? `, last error ${lastError.message}` : '';
  throw new Error(`${options.what}: not reached in ${options.timeoutMs} ms (last value ${JSON.stringify(last)}${errorPart})`);
}
