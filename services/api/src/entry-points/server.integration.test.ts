import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@observable-todo/test-support/poll';
import { freePort } from '@observable-todo/test-support/ports';
import { createTestDatabase, type TestDatabase } from '@observable-todo/test-support/postgres';
import { ServerProcess } from '../test-support/server-process.js';

let db: TestDatabase;
let server: ServerProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startServer(env: Record<string, string>): Promise<{ base: string; process: ServerProcess }> {
  const port = await freePort();
  server = ServerProcess.start({
    ...db.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    CHAOS_ENDPOINTS: 'true',
    MIGRATE_ON_START: 'true',
    RATE_LIMIT_MAX: '0',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await pollUntil(
    () => fetch(`${base}/health/ready`).then((r) => r.status),
    (status) => status === 200,
    { timeoutMs: 30_000, what: 'server ready (migrated at start-up)' },
  );
  return { base, process: server };
}

describe('start-up', () => {
  it('exits 1 with one clear message per bad value and never echoes the password', async () => {
    server = ServerProcess.start({
      PORT: 'eighty',
      DB_HOST: 'db',
      DB_PASSWORD: 'hunter2-secret',
      LOG_LEVEL: 'loud',
      CHAOS_ENDPOINTS: 'maybe',
    });
    const exit = await server.exit();
    expect(exit.code).toBe(1);
    const stderr = server.stderr.join('');
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT: must be an integer between 1 and 65535 (got "eighty")');
    expect(stderr).toMatch(/LOG_LEVEL: .* \(got "loud"\)/);
    expect(stderr).toContain('CHAOS_ENDPOINTS: must be true or false (got "maybe")');
    expect(stderr).not.toContain('hunter2-secret');
  });

  it('migrates at start-up when MIGRATE_ON_START=true and serves data', async () => {
    const { base } = await startServer({});
    const created = await fetch(`${base}/api/todos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'from a real socket' }),
    });
    expect(created.status).toBe(201);
    // Log lines reach stdout through the buffered writer, within LOG_FLUSH_INTERVAL_MS: wait for the line, don't read once.
    await pollUntil(
      () =>
        Promise.resolve(server!.logLines().some((line) => typeof line.message === 'string' && line.message.startsWith('migrations done'))),
      (found) => found,
      { timeoutMs: 5_000, what: "the 'migrations done' log line" },
    );
  });
});

describe('MIGRATE_ON_START', () => {
  it('keeps retrying while PostgreSQL does not answer, with one warn line per attempt and no stack', async () => {
    const port = await freePort();
    server = ServerProcess.start({
      ...db.env,
      DB_PORT: String(await freePort()),
      PORT: String(port),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'true',
    });
    const retries = await pollUntil(
      () => Promise.resolve(server!.logLines().filter((line) => String(line.message).startsWith('migrations not applied yet'))),
      (lines) => lines.length >= 2,
      { timeoutMs: 15_000, what: 'two migration retries' },
    );
    expect(retries[0]).toMatchObject({ 'log.level': 'warn', 'error.type': 'SequelizeConnectionRefusedError' });
    expect(retries[0]).not.toHaveProperty('error.stack_trace');
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not_ready', checks: { database: 'down', schema: 'pending' } });
    expect(server.exitCode()).toBeNull();
  });

  it('exits 1 with one clear error line when a migration fails for another reason (permission denied)', async () => {
    // A role that may connect but not create tables: the migration fails with SQLSTATE 42501, not a connectivity error.
    const role = `no_create_${Date.now()}`;
    await db.adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'no-create-pw'`);
    // PostgreSQL 15+ grants no CREATE on schema public to other roles; say so explicitly anyway.
    await db.adminQuery(`REVOKE CREATE ON SCHEMA public FROM PUBLIC, ${role}`);
    server = ServerProcess.start({
      ...db.env,
      DB_USER: role,
      DB_PASSWORD: 'no-create-pw',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'true',
    });
    const exit = await Promise.race([server.exit(), sleep(20_000).then(() => ({ code: 'still running after 20 s', signal: null }))]);
    expect(exit).toEqual({ code: 1, signal: null });
    const errors = server.logLines().filter((line) => line['log.level'] === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: expect.stringMatching(/^migrations failed, not retrying: .*permission denied/),
      'event.action': 'migration-failed',
    });
    expect(server.logLines().some((line) => String(line.message).startsWith('migrations not applied yet'))).toBe(false);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('turns readiness 503, lets the in-flight request finish, closes the pool and exits 0', async () => {
    const { base, process: proc } = await startServer({ SHUTDOWN_DRAIN_DELAY_MS: '1500', SHUTDOWN_TIMEOUT_MS: '10000' });
    const inFlight = fetch(`${base}/api/simulate-latency?ms=2500`);
    await pollUntil(
      () => fetch(`${base}/metrics`).then((r) => r.text()),
      (text) => /^http_requests_in_flight [1-9]/m.test(text),
      { timeoutMs: 5_000, what: 'slow request in flight' },
    );

    proc.signal('SIGTERM');
    const draining = await pollUntil(
      () => fetch(`${base}/health/ready`).then(async (r) => ({ status: r.status, body: await r.json() })),
      (r) => r.status === 503,
      { timeoutMs: 1_000, what: 'readiness 503 while draining' },
    );
    expect(draining.body).toMatchObject({ status: 'not_ready' });

    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(await finished.json()).toEqual({ delayedMs: 2500 });

    expect(await proc.exit()).toEqual({ code: 0, signal: null });
    const actions = proc.logLines().map((line) => line['event.action']);
    expect(actions).toContain('shutdown-started');
    expect(actions).toContain('shutdown-complete');
    // It exited because the last request finished, not because the timeout fired.
    expect(proc.logLines().filter((line) => line['log.level'] === 'warn')).toEqual([]);
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });

  it('bounds the wait: a request longer than SHUTDOWN_TIMEOUT_MS is cut and the process still exits 0', async () => {
    const { base, process: proc } = await startServer({ SHUTDOWN_TIMEOUT_MS: '500' });
    const tooSlow = fetch(`${base}/api/simulate-latency?ms=10000`).then(
      (r) => r.status,
      () => 'connection closed',
    );
    await pollUntil(
      () => fetch(`${base}/metrics`).then((r) => r.text()),
      (text) => /^http_requests_in_flight [1-9]/m.test(text),
      { timeoutMs: 5_000, what: 'slow request in flight' },
    );
    const startedAt = Date.now();
    proc.signal('SIGTERM');
    expect(await proc.exit()).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await tooSlow).toBe('connection closed');
  });
});

describe('the buffered log', () => {
  const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  const get = (base: string, id: string) => fetch(`${base}/api/todos/1`, { headers: { 'x-request-id': id } }).then((r) => r.arrayBuffer());
  const accessLinesOf = (proc: ServerProcess, wanted: string[]) =>
    proc.logLines().filter((line) => wanted.includes(String(line['http.request.id'])) && line['url.path'] !== undefined);

  it('loses no line on SIGTERM: lines still buffered when it arrives are written before exit', async () => {
    // A timer far away: only the shutdown's flush can write these lines.
    const { base, process: proc } = await startServer({ LOG_FLUSH_INTERVAL_MS: '10000' });
    const wanted = ids('before-sigterm', 15);
    for (const id of wanted) await get(base, id);
    await sleep(300);
    // Still in the buffer (under the 8 KiB batch, timer not due): the test would fail without the flush.
    expect(accessLinesOf(proc, wanted)).toEqual([]);
    proc.signal('SIGTERM');
    expect(await proc.exit()).toEqual({ code: 0, signal: null });
    expect(accessLinesOf(proc, wanted).map((line) => line['http.request.id'])).toEqual(wanted);
    expect(proc.logLines().at(-1)).toMatchObject({ 'event.action': 'shutdown-complete' });
  });

  it('counts and says what it drops when stdout is not read and the buffer fills', async () => {
    const { base, process: proc } = await startServer({ LOG_BUFFER_BYTES: '1024', LOG_FLUSH_INTERVAL_MS: '10' });
    proc.pauseStdout();
    // About 400 bytes a line: far more than the pipe (64 KiB) and the buffer (1 KiB) hold together.
    const wanted = ids('flood', 600);
    for (let start = 0; start < wanted.length; start += 8) await Promise.all(wanted.slice(start, start + 8).map((id) => get(base, id)));
    const droppedSoFar = async () => Number(/^log_lines_dropped_total (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
    expect(await droppedSoFar()).toBeGreaterThan(0);
    proc.resumeStdout();
    const warnings = await pollUntil(
      () => Promise.resolve(proc.logLines().filter((line) => line['event.action'] === 'log-lines-dropped')),
      (lines) => lines.length > 0,
      { timeoutMs: 5_000, what: 'the dropped-lines warning' },
    );
    // Read once stdout flows again: a line written after the first read could still have been dropped.
    const dropped = await droppedSoFar();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ 'log.level': 'warn', message: expect.stringMatching(/^log buffer full: \d+ log lines dropped/) });
    expect(Number(warnings[0]!['labels.dropped_lines'])).toBeGreaterThan(0);
    expect(Number(warnings[0]!['labels.dropped_lines'])).toBeLessThanOrEqual(dropped);
    // Every access line either arrived or was counted: nothing vanished unreported.
    proc.signal('SIGTERM');
    await proc.exit();
    expect(accessLinesOf(proc, wanted).length + dropped).toBe(wanted.length);
  });
});
