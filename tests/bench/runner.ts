// Load and statistics for `npm run bench`: autocannon runs, interleaved rounds
// (A B C A B C …, each contender warmed up first), medians with min/max.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Latency is compared at this share of the slowest contender's saturated throughput. */
export const RATE_SHARE = Number(process.env.BENCH_RATE_SHARE ?? 0.6);

export interface Contender {
  name: string;
  url: string;
  request: autocannon.Request;
  /** Host pid of the serving process: its CPU time per request is measured too. */
  pid?: number;
}

/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds a host process (all its threads: JavaScript, GC, libuv) has used,
 * user plus system, from /proc/<pid>/stat (fields 14 and 15).
 */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU the serving process spent per answered request, µs; undefined without a pid. */
  cpuUs?: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Measured {
  name: string;
  /** Saturated: CONNECTIONS connections as fast as they go. */
  rps: Spread;
  /** The same, round by round, for ratios between contenders of one round. */
  rpsByRound: number[];
  p50AtSaturation: Spread;
  p99AtSaturation: Spread;
  /** At a fixed arrival rate below saturation (`rate` req/s). */
  rate: number;
  p50: Spread;
  p99: Spread;
  failures: number;
  /** Saturated rounds: the server's own CPU per request, µs (Contender.pid). */
  cpuUs?: Spread;
  /** The same, round by round, for ratios between contenders of one round. */
  cpuUsByRound?: number[];
}

/** Median over rounds of a/b within each round: neighbours in time share the machine's mood. */
export function pairedRatio(a: number[], b: number[]): Spread {
  return spread(a.map((value, round) => value / b[round]!));
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * The value at quantile q (0–1) of unsorted samples, by nearest rank: an
 * observed latency, never an interpolation between two.
 */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function load(contender: Contender, options: { seconds: number; connections?: number; rate?: number }): Promise<Run> {
  const cpuBefore = contender.pid === undefined ? 0 : cpuSecondsOf(contender.pid);
  // Every 2xx response's own time, from autocannon's hrtime measurement. Its
  // result's percentiles come from an integer-millisecond histogram: at the
  // 1–5 ms this API answers in, one step is 20–100% of the value, and a p99
  // ratio between two contenders flipped between 0.4 and 1.25 on that alone.
  // No coordinated-omission correction: at a fixed rate well below saturation
  // nothing queues, and every contender meets the same rate.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: contender.url,
        connections: options.connections ?? CONNECTIONS,
        duration: options.seconds,
        requests: [contender.request],
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      },
      (error: unknown, finished: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(finished),
    );
    instance.on('response', (_client, statusCode, _bytes, milliseconds) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(milliseconds);
    });
  });
  const cpuUs =
    contender.pid === undefined ? undefined : ((cpuSecondsOf(contender.pid) - cpuBefore) * 1e6) / Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ...(cpuUs === undefined ? {} : { cpuUs }),
  };
}

/**
 * Saturated throughput over interleaved rounds, then latency over interleaved
 * rounds at RATE_SHARE of the slowest contender's median throughput, so every
 * contender meets the same arrival rate and none queues.
 */
export async function compare(contenders: Contender[]): Promise<Measured[]> {
  for (const contender of contenders) await load(contender, { seconds: 2 }); // JIT, pools, keep-alive
  const saturated = contenders.map(() => [] as Run[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, contender] of contenders.entries()) saturated[index]!.push(await load(contender, { seconds: SECONDS }));
  }
  const slowest = Math.min(...saturated.map((runs) => spread(runs.map((run) => run.rps)).median));
  const rate = Math.max(1, Math.round(slowest * RATE_SHARE));
  const paced = contenders.map(() => [] as Run[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, contender] of contenders.entries()) paced[index]!.push(await load(contender, { seconds: SECONDS, rate }));
  }
  return contenders.map((contender, index) => {
    const all = [...saturated[index]!, ...paced[index]!];
    return {
      name: contender.name,
      rps: spread(saturated[index]!.map((run) => run.rps)),
      rpsByRound: saturated[index]!.map((run) => run.rps),
      p50AtSaturation: spread(saturated[index]!.map((run) => run.p50)),
      p99AtSaturation: spread(saturated[index]!.map((run) => run.p99)),
      rate,
      p50: spread(paced[index]!.map((run) => run.p50)),
      p99: spread(paced[index]!.map((run) => run.p99)),
      failures: all.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
      ...(contender.pid === undefined
        ? {}
        : {
            cpuUs: spread(saturated[index]!.map((run) => run.cpuUs ?? NaN)),
            cpuUsByRound: saturated[index]!.map((run) => run.cpuUs ?? NaN),
          }),
    };
  });
}
