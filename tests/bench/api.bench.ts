// Throughput, latency and memory of the API as it ships: the image, Node 24 and
// the memory limit of deploy/compose/app.yaml, against PostgreSQL 18 from the same
// file. Prints figures and asserts nothing, so a noisy machine never fails a build.
//
//   npm run bench
//   BENCH_SECONDS=30 BENCH_CONNECTIONS=32 npm run bench
//
// The load generator (autocannon) runs here, outside the container; on a
// two-core machine it takes one core and the API the other.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { pollUntil } from '@observable-todo/test-support/poll';
import { docker, mappedUrl, startStack, v8HeapLimitBytes } from '../e2e/support/compose-stack.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SEEDED_TODOS = 200;

interface Scenario {
  name: string;
  connections?: number;
  request: autocannon.Request;
}

function scenarios(): Scenario[] {
  let next = 0;
  return [
    { name: 'GET /health/live (middleware floor)', request: { method: 'GET', path: '/health/live' } },
    {
      name: 'GET /api/todos/:id (one row)',
      request: {
        method: 'GET',
        path: '/api/todos/1',
        setupRequest: (request) => ({ ...request, path: `/api/todos/${(next++ % SEEDED_TODOS) + 1}` }),
      },
    },
    { name: 'GET /api/todos?limit=50 (a page)', request: { method: 'GET', path: '/api/todos?limit=50' } },
    {
      name: 'POST /api/todos (insert)',
      request: {
        method: 'POST',
        path: '/api/todos',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'written by the benchmark' }),
      },
    },
    // One connection, as Prometheus scrapes: the cost of a scrape, not its throughput.
    { name: 'GET /metrics (one scraper)', connections: 1, request: { method: 'GET', path: '/metrics' } },
  ];
}

function load(baseUrl: string, scenario: Scenario, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: baseUrl, connections: scenario.connections ?? CONNECTIONS, duration: seconds, requests: [scenario.request] });
}

/** VmRSS (now) and VmHWM (peak) of a host process, in bytes, as the kernel counts them. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** The host pid of the node process in a container (compose's `init: true` makes tini PID 1). */
async function nodePid(containerId: string): Promise<number> {
  // By command line: Node 24 names its main thread "MainThread", so comm is no help.
  const rows = (await docker('top', containerId, '-eo', 'pid,args')).trim().split('\n').slice(1);
  const node = rows.map((row) => row.trim().split(/\s+/)).find(([, command]) => command === 'node');
  if (node === undefined) throw new Error(`no node process in ${containerId}: ${rows.join(' | ')}`);
  return Number(node[0]);
}

/** V8's own view, from the API's /metrics: heap in use and heap reserved. */
async function heapOf(baseUrl: string): Promise<{ used: number; total: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const sample = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { used: sample('nodejs_heap_size_used_bytes'), total: sample('nodejs_heap_size_total_bytes') };
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  }
}

async function main(): Promise<void> {
  // The rate limiter is the only setting changed from the shipped stack: it would answer 429 to a load test.
  const stack = await startStack({ files: ['deploy/compose/app.yaml', 'deploy/compose/debug.yaml'], services: ['db', 'api'], env: { API_RATE_LIMIT_MAX: '0' } });
  try {
    const api = stack.getContainer('api-1');
    const baseUrl = mappedUrl(stack, 'api-1', 8000);
    await pollUntil(() => fetch(`${baseUrl}/health/ready`).then((response) => response.status), (status) => status === 200, {
      timeoutMs: 30_000,
      what: 'API ready',
    });
    for (let index = 0; index < SEEDED_TODOS; index++) {
      const response = await fetch(`${baseUrl}/api/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `seeded todo ${index + 1}` }),
      });
      if (response.status !== 201) throw new Error(`seeding failed: HTTP ${response.status}`);
    }
    const pid = await nodePid(api.getId());
    const limit = Number((await docker('inspect', '--format', '{{.HostConfig.Memory}}', api.getId())).trim());
    const nodeVersion = (await docker('exec', api.getId(), 'node', '--version')).trim();
    const heapLimit = await v8HeapLimitBytes(api.getId());

    console.log(`API benchmark: ${SECONDS} s per scenario after 2 s of warm-up, ${CONNECTIONS} connections`);
    console.log(`the observable-todo/api image (Node ${nodeVersion}) from deploy/compose/app.yaml, ${mib(limit)} memory limit, PostgreSQL in its container`);
    const idleHeap = await heapOf(baseUrl);
    console.log(
      `idle after start-up and ${SEEDED_TODOS} inserts: RSS ${mib(memoryOf(pid).rss)}, V8 heap ${mib(idleHeap.used)} used of ${mib(idleHeap.total)}\n`,
    );

    let outsideHeapPeak = 0;
    const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'RSS after', 'heap used/total after']];
    for (const scenario of scenarios()) {
      await load(baseUrl, scenario, 2); // JIT and pool connections
      const result = await load(baseUrl, scenario, SECONDS);
      const rss = memoryOf(pid).rss;
      const heap = await heapOf(baseUrl);
      outsideHeapPeak = Math.max(outsideHeapPeak, rss - heap.total);
      rows.push([
        scenario.name,
        result.requests.average.toFixed(0),
        String(result.latency.p50),
        String(result.latency.p99),
        String(result.latency.max),
        String(result.non2xx),
        String(result.errors + result.timeouts),
        mib(rss),
        `${mib(heap.used)} / ${mib(heap.total)}`,
      ]);
    }
    printTable(rows);

    // The target: a heap grown to its limit, plus the most seen outside it, still fits
    // in the container, so garbage collection, not the OOM killer, answers a surge.
    const { peak } = memoryOf(pid);
    const worstCase = outsideHeapPeak + heapLimit;
    console.log(`\npeak RSS of the node process: ${mib(peak)} (${((peak / limit) * 100).toFixed(0)}% of the container limit)`);
    console.log(`V8 heap limit ${mib(heapLimit)} + at most ${mib(outsideHeapPeak)} outside the heap = ${mib(worstCase)} worst case`);
    console.log(
      worstCase <= limit
        ? `memory target met: a full heap fits in the ${mib(limit)} limit with ${mib(limit - worstCase)} to spare`
        : `memory target MISSED: a full heap would exceed the ${mib(limit)} limit by ${mib(worstCase - limit)}`,
    );
  } finally {
    await stack.down({ removeVolumes: true });
  }
}

await main();
