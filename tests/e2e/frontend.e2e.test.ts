// The frontend in a real browser (Debian's Chromium driven by playwright-core) against
// the real stack: nginx from services/frontend, the API and PostgreSQL, started from the
// root compose.yaml. Also asserts nginx's headers, proxy rules and JSON access log over HTTP.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { StartedDockerComposeEnvironment, StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDown } from '@observable-todo/test-support/compose-networks';
import { pollUntil } from '@observable-todo/test-support/poll';
import { docker } from '@observable-todo/test-support/docker';
import { mappedUrl, publishedUrl, startStack, stopStack } from '@observable-todo/test-support/compose-stack';
import { repoRoot } from '@observable-todo/test-support/repo';

const artifacts = join(repoRoot, 'artifacts');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A GET with the path exactly as given, through node:http rather than fetch: no
 * automatic decompression, so Content-Encoding is what nginx sent. fetch and
 * http.get(url) parse the URL first, which resolves `/./` and `/../` before the
 * request leaves: the edge would never see them.
 */
function getRawPath(baseUrl: string, rawPath: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ hostname, port, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** getRawPath for an ordinary URL. */
function get(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const { origin, pathname, search } = new URL(url);
  return getRawPath(origin, pathname + search, headers);
}

/** An IPv4 address as /proc/net/tcp writes it: the 32-bit value in host (little-endian) order, in hex. */
function procNetAddress(ip: string): string {
  return ip
    .split('.')
    .reverse()
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/**
 * The TCP connections between nginx and the API that the kernel still knows, open or in TIME_WAIT
 * (which the side that closed keeps for 60 s), as nginx's ephemeral ports: read from both
 * containers' /proc/net/tcp and tcp6 (IPv4-mapped there), so it does not matter which side closed.
 */
async function nginxToApiConnections(frontend: StartedTestContainer, api: StartedTestContainer): Promise<Set<string>> {
  const address = async (container: StartedTestContainer) =>
    procNetAddress(
      (await docker('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container.getId())).trim(),
    );
  const [nginxIp, apiIp] = [await address(frontend), await address(api)];
  const apiPort = (8000).toString(16).toUpperCase().padStart(4, '0');
  const sockets = async (container: StartedTestContainer) =>
    (await container.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'])).output
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => /^[0-9A-F]+:[0-9A-F]{4}$/.test(fields[1] ?? ''))
      .map(([, local, remote]) => ({ local: local!.split(':'), remote: remote!.split(':') }));
  const ports = new Set<string>();
  for (const { local, remote } of await sockets(frontend)) {
    if (remote[0]!.endsWith(apiIp) && remote[1] === apiPort && local[0]!.endsWith(nginxIp)) ports.add(local[1]!);
  }
  for (const { local, remote } of await sockets(api)) {
    if (local[1] === apiPort && remote[0]!.endsWith(nginxIp)) ports.add(remote[1]!);
  }
  return ports;
}

/** The alert-drill endpoints in every spelling a client could send: case, percent-encoding, dot segments, slashes. */
const DRILL_SPELLINGS = [
  '/api/simulate-error',
  '/api/simulate-latency?ms=1',
  '/api/SIMULATE-ERROR',
  '/api/Simulate-Latency?ms=1',
  '/api/simulate-ERROR',
  '/api/SIMULATE-latency?ms=10',
  '/API/simulate-error',
  '/api/simulate%2Derror',
  '/api/simulate%2derror',
  '/api/%53imulate-error',
  '/api/%73imulate-error',
  '/api/%73%69%6d%75%6c%61%74%65%2d%6c%61%74%65%6e%63%79?ms=1',
  '/api//simulate-error',
  '//api/simulate-error',
  '/api/./simulate-error',
  '/api/%2E/simulate-error',
  '/api/todos/../simulate-error',
  '/api/todos/%2E%2E/simulate-error',
  '/api/todos/..%2Fsimulate-error',
  '/api/todos%2F..%2Fsimulate-error',
  '/static/../api/simulate-error',
  '/api/simulate-error/',
  '/api/simulate-latency/?ms=1',
  '/api/simulate-error?ms=1&x=%2F',
];

describe('frontend through nginx', () => {
  let environment: StartedDockerComposeEnvironment | undefined;
  let frontend: StartedTestContainer;
  let api: StartedTestContainer;
  let baseUrl: string;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  const browserProblems: string[] = [];

  beforeAll(async () => {
    // frontend no longer pulls the API in (it starts without it): name both.
    environment = await startStack({ files: ['compose.yaml'], services: ['frontend', 'api'] });
    frontend = environment.getContainer('frontend-1');
    api = environment.getContainer('api-1');
    baseUrl = mappedUrl(environment, 'frontend-1', 8080);

    userDataDir = mkdtempSync(join(tmpdir(), 'todo-e2e-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 900, height: 820 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => browserProblems.push(String(error)));
    page.on('console', (message) => {
      // Failed API calls are logged by Chromium on purpose in the API-down test; CSP violations never are.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) browserProblems.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    // Ryuk is disabled on these machines: nothing else removes the stack.
    await stopStack(environment);
  });

  describe('nginx', () => {
    it('passes nginx -t in the built image, running as the unprivileged user', async () => {
      const check = await frontend.exec(['nginx', '-t']);
      expect(check.exitCode, check.output).toBe(0);
      expect(check.output).toContain('test is successful');
      expect((await frontend.exec(['id', '-u'])).output.trim()).toBe('101');
    });

    it('serves index.html uncached with strict security headers', async () => {
      const res = await get(`${baseUrl}/`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.server).toBe('nginx');
      // No inline script or style for the CSP to block.
      expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(res.body).not.toMatch(/<style|\sstyle=/);
    });

    it('caches hashed assets for a year, gzipped, with the security headers kept', async () => {
      const index = await get(`${baseUrl}/`);
      const assets = [...index.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? '');
      expect(assets).toEqual([
        expect.stringMatching(/^\/assets\/app\.[A-Z0-9]{8}\.css$/),
        expect.stringMatching(/^\/assets\/app\.[A-Z0-9]{8}\.js$/),
      ]);
      for (const asset of assets) {
        const res = await get(`${baseUrl}${asset}`, { 'Accept-Encoding': 'gzip' });
        expect(res.status, asset).toBe(200);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers['content-encoding']).toBe('gzip');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
      const missing = await get(`${baseUrl}/assets/app.NOTTHERE.js`);
      expect(missing.status).toBe(404);
      expect(missing.headers['cache-control']).toBeUndefined();
    });

    it('renders the runtime config at start and never caches it', async () => {
      const res = await get(`${baseUrl}/config.json`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(JSON.parse(res.body)).toEqual({ apiBaseUrl: '/api' });
    });

    it('sizes its workers from the container CPU and memory limits, not from the host', async () => {
      // The compose service's own limit (cpus: "1"), in the running container.
      expect((await frontend.exec(['nginx', '-T'])).output).toMatch(/^worker_processes 1;$/m);

      const image = (await docker('inspect', '--format', '{{.Config.Image}}', frontend.getId())).trim();
      const hostCpus = Number((await docker('info', '--format', '{{.NCPU}}')).trim());
      const renderedConfig = (...limits: string[]) =>
        docker(
          'run',
          '--rm',
          ...limits,
          '--read-only',
          '--tmpfs',
          '/tmp:uid=101,gid=101,mode=0700',
          '--tmpfs',
          '/etc/nginx/conf.d:uid=101,gid=101,mode=0755',
          image,
          '/docker-entrypoint.sh',
          'nginx',
          '-T',
        );
      const setting = (config: string, name: string) => Number(new RegExp(`^\\s*${name} (\\d+);$`, 'm').exec(config)?.[1]);

      // The compose limits: 1 CPU, 64 MiB hold nginx.conf's former 1024 connections.
      const composeLimits = await renderedConfig('--cpus', '1', '--memory', '64m');
      expect(setting(composeLimits, 'worker_processes')).toBe(1);
      expect(setting(composeLimits, 'worker_connections')).toBe(1024);

      // Tighter memory: (24 MiB - 8 MiB - 4 MiB a worker) / 32 KiB a connection (30-frontend-workers.sh).
      const small = await renderedConfig('--cpus', '0.5', '--memory', '24m');
      expect(setting(small, 'worker_processes')).toBe(1);
      expect(setting(small, 'worker_connections')).toBe(384);

      const larger = Math.min(2, hostCpus);
      const big = await renderedConfig('--cpus', String(larger), '--memory', '32m');
      expect(setting(big, 'worker_processes')).toBe(larger);
      expect(setting(big, 'worker_connections')).toBe(Math.floor(((32 - 8 - 4 * larger) * 1024) / 32 / larger));
    });

    it('answers its own health check and hides the API operational endpoints', async () => {
      expect((await get(`${baseUrl}/healthz`)).status).toBe(200);
      for (const path of ['/metrics', '/health/ready', '/health/live', '/health', '/some/client/route']) {
        const res = await get(`${baseUrl}${path}`);
        expect(res.status, path).toBe(404);
        expect(res.body, path).not.toContain('<main');
      }
    });

    it('keeps the alert-drill endpoints off the public entry point', async () => {
      for (const path of ['/api/simulate-error', '/api/simulate-latency?ms=1']) {
        const res = await get(`${baseUrl}${path}`);
        expect(res.status, path).toBe(404);
        expect(JSON.parse(res.body), path).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
    });

    it('proxies /api/ and passes a client X-Request-Id through to the API', async () => {
      const requestId = `e2e-${randomUUID()}`;
      const list = await get(`${baseUrl}/api/todos?limit=1`, { 'X-Request-Id': requestId });
      expect(list.status).toBe(200);
      expect(list.headers['x-request-id']).toBe(requestId);
      expect(JSON.parse(list.body)).toMatchObject({
        items: expect.any(Array) as unknown,
        total: expect.any(Number) as unknown,
        limit: 1,
        offset: 0,
      });

      // The API echoes the id it received in its error body: proof it came through nginx.
      const missing = await get(`${baseUrl}/api/todos/2147483000`, { 'X-Request-Id': requestId });
      expect(missing.status).toBe(404);
      expect(missing.headers['x-request-id']).toBe(requestId);
      expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'NOT_FOUND', requestId } });
    });

    it('reuses its connections to the API (upstream keepalive): 200 requests open almost none', async () => {
      await get(`${baseUrl}/api/todos?limit=1`);
      const before = await nginxToApiConnections(frontend, api);
      for (let i = 0; i < 200; i += 1) expect((await get(`${baseUrl}/api/todos?limit=1`)).status).toBe(200);
      const after = await nginxToApiConnections(frontend, api);
      const opened = [...after].filter((port) => !before.has(port)).length;
      console.log(`[frontend] 200 requests through nginx opened ${opened} new connection(s) to the API (${before.size} known before)`);
      // One worker (cpus: "1"): its pooled connection carries them all. Without a pool it would be 200.
      expect(before.size).toBeGreaterThan(0);
      expect(opened).toBeLessThanOrEqual(2);
    });

    it('generates a request id when the client sends none (or a malformed one) and hands it to the API', async () => {
      const variants: Record<string, string>[] = [
        {},
        { 'X-Request-Id': 'not a valid id; <script>' },
        { 'X-Request-Id': 'colon:is-not-allowed-by-the-api' },
      ];
      for (const headers of variants) {
        const res = await get(`${baseUrl}/api/todos/2147483000`, headers);
        expect(res.status).toBe(404);
        const generated = String(res.headers['x-request-id']);
        expect(generated).toMatch(/^[0-9a-f]{32}$/);
        expect(JSON.parse(res.body)).toMatchObject({ error: { requestId: generated } });
      }
    });

    it('logs each request as one JSON line on stdout with id, method, path, status and timings', async () => {
      const requestId = `e2e-log-${randomUUID()}`;
      await get(`${baseUrl}/api/todos?limit=2`, { 'X-Request-Id': requestId });
      const line = await pollUntil(
        async () => (await docker('logs', frontend.getId())).split('\n').find((candidate) => candidate.includes(requestId)),
        (found) => found !== undefined,
        { timeoutMs: 5_000, what: 'access log line with the request id' },
      );
      const entry = JSON.parse(line ?? '') as Record<string, unknown>;
      expect(entry).toMatchObject({
        'http.request.id': requestId,
        'http.request.method': 'GET',
        'url.path': '/api/todos',
        'http.response.status_code': 200,
        'service.name': 'frontend',
      });
      // Like the API, the access log leaves the query string out.
      expect(line).not.toContain('limit=2');
      expect(entry['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      expect(entry.request_time_s).toEqual(expect.any(Number));
      expect(entry.upstream_response_time_s).toEqual(expect.any(Number));
    });
  });

  describe('the alert-drill endpoints at the public edge', () => {
    it('answer 404 from nginx itself in every spelling, and no such request reaches the API', async () => {
      const run = randomUUID().slice(0, 8);
      const sent = DRILL_SPELLINGS.map((path, index) => ({ path, id: `edge-${run}-${index}` }));
      for (const { path, id } of sent) {
        const res = await getRawPath(baseUrl, path, { 'X-Request-Id': id });
        expect.soft(res.status, path).toBe(404);
        expect.soft(res.body, path).toContain('"code":"NOT_FOUND"');
      }

      // A request that does reach the API: once its line is in the API's log, every
      // earlier one that reached the API would be there too.
      const control = `edge-${run}-control`;
      expect((await get(`${baseUrl}/api/todos?limit=1`, { 'X-Request-Id': control })).status).toBe(200);
      const apiLog = await pollUntil(
        () => docker('logs', api.getId()),
        (logs) => logs.includes(control),
        { timeoutMs: 10_000, what: 'the control request in the API log' },
      );
      expect(sent.filter(({ id }) => apiLog.includes(id)).map(({ path }) => path)).toEqual([]);

      // nginx answered each one itself: its access log line names no upstream.
      const edgeLines = (await docker('logs', frontend.getId())).split('\n');
      for (const { path, id } of sent) {
        const line = edgeLines.find((candidate) => candidate.includes(`"http.request.id":"${id}"`));
        expect.soft(line, path).toBeDefined();
        expect.soft((JSON.parse(line ?? '{}') as Record<string, unknown>).upstream_response_time_s, path).toBeNull();
      }
    });

    it('sends the API the normalized path, so it never interprets an encoding the edge did not check', async () => {
      const id = `edge-normalized-${randomUUID().slice(0, 8)}`;
      // The API routes strictly (no trailing slash, case-sensitive): only the normalized path answers 200.
      const res = await getRawPath(baseUrl, '/api/./t%6Fdos?limit=1', { 'X-Request-Id': id });
      expect(res.status).toBe(200);
      const line = await pollUntil(
        async () => (await docker('logs', api.getId())).split('\n').find((candidate) => candidate.includes(`"http.request.id":"${id}"`)),
        (found) => found !== undefined,
        { timeoutMs: 10_000, what: 'the API log line of the normalized request' },
      );
      expect((JSON.parse(line ?? '{}') as Record<string, unknown>)['url.path']).toBe('/api/todos');
    });
  });

  describe('in the browser', () => {
    const row = (title: string) => page.getByRole('listitem').filter({ has: page.getByRole('checkbox', { name: title, exact: true }) });
    const itemsLeft = () => page.locator('#items-left');
    // Strings, not functions: the tests' tsconfig has no DOM types.
    const focusedId = () => page.evaluate<string | undefined>('document.activeElement?.id');

    async function add(title: string): Promise<void> {
      const input = page.getByLabel('What needs doing?');
      await input.fill(title);
      await input.press('Enter');
      await expect.poll(() => row(title).count()).toBe(1);
      expect(await input.inputValue()).toBe('');
    }

    it('starts with an empty state', async () => {
      await page.goto(baseUrl);
      await page.getByText('Nothing to do yet').waitFor();
      expect(await page.locator('#loading').isHidden()).toBe(true);
      expect(await itemsLeft().textContent()).toBe('0 items left');
    });

    it('adds todos with Enter and with the Add button', async () => {
      await add('Buy oat milk');
      await add('Book the dentist for Thursday');
      await add('Water the plants');
      const input = page.getByLabel('What needs doing?');
      await input.fill('Reply to Sam about the offsite');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await row('Reply to Sam about the offsite').waitFor();
      await add('Renew the library books');
      expect(await itemsLeft().textContent()).toBe('5 items left');
      expect(await page.getByRole('status').textContent()).toContain('Added “Renew the library books”');
    });

    it('refuses a blank title without a round trip', async () => {
      const input = page.getByLabel('What needs doing?');
      await input.fill('   ');
      await input.press('Enter');
      await page.getByText('Please type a title first.').waitFor();
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      await input.fill('');
    });

    describe('the title rule, shared with the API (packages/contract)', () => {
      // An emoji is one character for the API and PostgreSQL but two UTF-16 units for
      // `maxlength` and `String.length`: 150 of them must pass, 201 must not.
      const emoji = '\u{1F600}';
      const totalSaved = async () => (JSON.parse((await get(`${baseUrl}/api/todos?limit=1`)).body) as { total: number }).total;

      it('accepts, saves and shows a title of 150 emoji', async () => {
        const title = emoji.repeat(150);
        const before = await totalSaved();
        await add(title);
        expect(await row(title).locator('.todo__title').textContent()).toBe(title);
        expect(await totalSaved()).toBe(before + 1);
        const saved = JSON.parse((await get(`${baseUrl}/api/todos?limit=100`)).body) as { items: { title: string }[] };
        expect(saved.items.map((item) => item.title)).toContain(title);
        // Leave the list as the other tests expect it.
        await page.getByRole('button', { name: `Delete “${title}”` }).click();
        await expect.poll(() => row(title).count()).toBe(0);
      });

      it("refuses a title of 201 emoji with the API's message, and saves nothing", async () => {
        const before = await totalSaved();
        const input = page.getByLabel('What needs doing?');
        await input.fill(emoji.repeat(201));
        // Nothing cut the text short (no maxlength): all 201 are in the field.
        expect([...(await input.inputValue())]).toHaveLength(201);
        await input.press('Enter');
        await page.getByText('Title must be at most 200 characters (this one has 201).').waitFor();
        expect(await input.getAttribute('aria-invalid')).toBe('true');
        expect(await totalSaved()).toBe(before);
        await input.fill('');
      });
    });

    it('toggles a todo done and back', async () => {
      const checkbox = page.getByRole('checkbox', { name: 'Water the plants' });
      await checkbox.check();
      await expect.poll(() => itemsLeft().textContent()).toBe('4 items left');
      await expect.poll(() => row('Water the plants').getAttribute('aria-busy')).toBe('false');
      await checkbox.uncheck();
      await expect.poll(() => itemsLeft().textContent()).toBe('5 items left');
      await expect.poll(() => row('Water the plants').getAttribute('aria-busy')).toBe('false');
      await checkbox.check();
      await page.getByRole('checkbox', { name: 'Buy oat milk' }).check();
      await expect.poll(() => itemsLeft().textContent()).toBe('3 items left');
      await expect.poll(() => page.locator('.todo[aria-busy="true"]').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Clear done/ }).textContent()).toBe('Clear done (2)');
    });

    it('edits a title in place: double-click and Enter saves, Escape cancels', async () => {
      await row('Book the dentist for Thursday').getByText('Book the dentist for Thursday').dblclick();
      const editor = page.getByRole('textbox', { name: 'Edit title' });
      await expect.poll(() => focusedId()).toMatch(/^todo-\d+-edit$/);
      expect(await editor.inputValue()).toBe('Book the dentist for Thursday');
      await editor.fill('Book the dentist for Friday');
      await editor.press('Enter');
      await row('Book the dentist for Friday').waitFor();
      expect(await row('Book the dentist for Thursday').count()).toBe(0);

      await page.getByRole('button', { name: 'Edit “Renew the library books”' }).click();
      await editor.fill('Something else entirely');
      await editor.press('Escape');
      await row('Renew the library books').waitFor();
      expect(await page.getByRole('textbox', { name: 'Edit title' }).count()).toBe(0);
      // Focus returns to the row, so keyboard users keep their place.
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Edit “Renew the library books”');
    });

    it('deletes a todo', async () => {
      await add('Throw this one away');
      await page.getByRole('button', { name: 'Delete “Throw this one away”' }).click();
      await expect.poll(() => row('Throw this one away').count()).toBe(0);
      expect(await itemsLeft().textContent()).toBe('3 items left');
    });

    it('filters all / active / done, in the URL', async () => {
      const titles = () => page.locator('.todo__title').allTextContents();
      await page.getByRole('link', { name: 'Active' }).click();
      await expect.poll(titles).toEqual(['Book the dentist for Friday', 'Reply to Sam about the offsite', 'Renew the library books']);
      expect(new URL(page.url()).hash).toBe('#/active');
      expect(await page.getByRole('link', { name: 'Active' }).getAttribute('aria-current')).toBe('page');
      await page.getByRole('link', { name: 'Done' }).click();
      await expect.poll(titles).toEqual(['Buy oat milk', 'Water the plants']);
      await page.getByRole('link', { name: 'All' }).click();
      await expect
        .poll(titles)
        .toEqual([
          'Buy oat milk',
          'Book the dentist for Friday',
          'Water the plants',
          'Reply to Sam about the offsite',
          'Renew the library books',
        ]);
    });

    it('keeps the data across a reload, and the screenshot shows the main screen', async () => {
      await page.reload();
      await row('Renew the library books').waitFor();
      expect(await page.locator('.todo__title').allTextContents()).toEqual([
        'Buy oat milk',
        'Book the dentist for Friday',
        'Water the plants',
        'Reply to Sam about the offsite',
        'Renew the library books',
      ]);
      expect(await page.getByRole('checkbox', { name: 'Water the plants' }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: 'Reply to Sam about the offsite' }).isChecked()).toBe(false);
      expect(await itemsLeft().textContent()).toBe('3 items left');
      await page.getByRole('checkbox', { name: 'Water the plants' }).focus();
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'frontend-main.png') });
      await page.getByLabel('What needs doing?').focus();
    });

    it('clears the done todos', async () => {
      await page.getByRole('button', { name: 'Clear done (2)' }).click();
      await expect.poll(() => page.locator('.todo__title').count()).toBe(3);
      expect(await page.getByRole('button', { name: 'Clear done' }).isDisabled()).toBe(true);
      await page.getByRole('link', { name: 'Done' }).click();
      await page.getByText('Nothing is done yet.').waitFor();
      await page.getByRole('link', { name: 'All' }).click();
    });

    it('works at phone width', async () => {
      await page.setViewportSize({ width: 375, height: 740 });
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(artifacts, 'frontend-phone.png') });
      await page.setViewportSize({ width: 900, height: 820 });
    });

    it('broke no Content-Security-Policy rule and threw no error so far', () => {
      expect(browserProblems).toEqual([]);
    });

    it('shows the error banner with the request id when the API is down, and keeps what was typed', async () => {
      await docker('stop', api.getId());

      const listResponse = page.waitForResponse((response) => response.url().includes('/api/todos'));
      await page.reload();
      const failed = await listResponse;
      // 502 once the name no longer resolves; 504 while nginx still holds the old address (resolver valid=5s).
      expect([502, 504]).toContain(failed.status());
      const banner = page.getByRole('alert');
      await banner.waitFor();
      expect(await banner.textContent()).toContain('unavailable');
      expect(await page.locator('#error-request-id').textContent()).toBe(await failed.headerValue('x-request-id'));
      expect(await page.locator('#error-request-id').textContent()).toMatch(/^[0-9a-f]{32}$/);
      await page.getByText('Your todos could not be loaded.').waitFor();

      const input = page.getByLabel('What needs doing?');
      await input.fill('Typed while the API was down');
      const addResponse = page.waitForResponse((response) => response.request().method() === 'POST');
      await input.press('Enter');
      const addFailed = await addResponse;
      expect([502, 504]).toContain(addFailed.status());
      await expect.poll(() => page.locator('#error-request-id').textContent()).toBe(await addFailed.headerValue('x-request-id'));
      expect(await input.inputValue()).toBe('Typed while the API was down');
      await page.screenshot({ path: join(artifacts, 'frontend-api-down.png') });
    });

    it('recovers once the API is back: Retry loads the list and the kept text saves', async () => {
      await docker('start', api.getId());
      const retry = page.getByRole('button', { name: 'Retry' });
      await expect
        .poll(
          async () => {
            if (await retry.isVisible()) await retry.click();
            return page.locator('.todo__title').count();
          },
          { timeout: 90_000, interval: 1_000 },
        )
        .toBe(3);
      await page.getByLabel('What needs doing?').press('Enter');
      await row('Typed while the API was down').waitFor();
      expect(await page.getByRole('alert').isHidden()).toBe(true);
    });
  });
});

describe('frontend while the database is down at `up` time', () => {
  // Compose's own start-up order, run as a user would: the database cannot start, so
  // the API (which waits for a healthy database) never does. The UI must start anyway.
  const project = `todo-e2e-dbdown-${randomUUID().slice(0, 8)}`;
  const compose = (...args: string[]) =>
    promisify(execFile)(
      'docker',
      ['compose', '-p', project, '-f', 'compose.yaml', '-f', 'tests/e2e/compose/db-down.override.yaml', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, API_PORT: '0', FRONTEND_PORT: '0' },
        maxBuffer: 32 * 1024 * 1024,
      },
    );

  afterAll(async () => {
    // Networks the engine or Compose left behind are removed too (compose-networks.ts).
    await composeDown(project, () => compose('down', '--volumes', '--remove-orphans'));
  });

  it('serves the page (200) and answers /api/ with 502 in the API error envelope', async () => {
    const up = await compose('up', '--detach', '--build', 'frontend', 'api').then(
      () => 'succeeded',
      (error: { stderr?: string; message?: string }) => error.stderr ?? error.message ?? 'failed',
    );
    // The failure is the database's, and it must not stop the UI.
    expect(up).toContain('dependency failed to start');
    const frontendId = (await compose('ps', '--all', '--quiet', 'frontend')).stdout.trim();
    expect(frontendId).not.toBe('');
    expect((await docker('inspect', '--format', '{{.State.Status}}', frontendId)).trim()).toBe('running');
    expect((await compose('ps', '--all', '--format', '{{.State}}', 'api')).stdout.trim()).not.toBe('running');

    const ui = await publishedUrl(frontendId, 8080);
    const page = await pollUntil(
      () => get(`${ui}/`).catch(() => undefined),
      (res) => res?.status === 200,
      {
        timeoutMs: 30_000,
        what: 'the UI page while the API is down',
      },
    );
    expect(page?.body).toContain('<main');
    const todos = await get(`${ui}/api/todos`);
    expect([502, 503]).toContain(todos.status);
    expect(JSON.parse(todos.body)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
  });
});
