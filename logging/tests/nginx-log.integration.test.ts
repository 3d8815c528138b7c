import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, RequestContext } from '@observable-todo/api/testing';
import { docker, dockerWith } from '@observable-todo/test-support/docker';
import { leafFields, mappingProblems } from '@observable-todo/test-support/elasticsearch-mappings';
import { image } from '@observable-todo/test-support/images';
import { repoRoot } from '@observable-todo/test-support/repo';

/**
 * nginx's JSON access log (services/frontend/nginx/nginx.conf, escape=json)
 * from the real frontend image: hostile bytes in the path, the user agent and
 * the referrer must leave every line valid JSON that gives back what was sent,
 * and its fields must fit the mappings the pipeline installs, like the API's.
 */
const IMAGE = `observable-todo/frontend:${process.env.IMAGE_TAG ?? 'dev'}`;

let frontend: StartedTestContainer;

beforeAll(async () => {
  // The image compose builds, from the repository's Dockerfile (BuildKit's cache makes a re-run quick).
  // The base images as compose passes them (build.args): the Dockerfile has no default.
  const args = ['NODE_IMAGE', 'NGINX_IMAGE'].flatMap((name) => ['--build-arg', `${name}=${image(name)}`]);
  await dockerWith({ cwd: repoRoot }, 'build', '-q', '-f', 'services/frontend/Dockerfile', ...args, '-t', IMAGE, '.');
  frontend = await new GenericContainer(IMAGE).withExposedPorts(8080).withWaitStrategy(Wait.forHttp('/healthz', 8080)).start();
});

afterAll(async () => {
  await frontend?.stop();
});

/** One raw HTTP/1.1 request, bytes as given: no client library re-encodes the path. */
function rawRequest(target: Buffer, headers: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(frontend.getMappedPort(8080), frontend.getHost());
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(
      Buffer.concat([
        Buffer.from('GET '),
        target,
        Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'),
        ...headers.map((h) => Buffer.concat([h, Buffer.from('\r\n')])),
        Buffer.from('\r\n'),
      ]),
    );
  });
}

async function accessLines(): Promise<string[]> {
  const stdout = await docker('logs', frontend.getId());
  return stdout.split('\n').filter((line) => line.startsWith('{'));
}

const header = (name: string, value: string) => Buffer.from(`${name}: ${value}`, 'utf8');

describe('nginx access log lines', () => {
  it('stay one valid JSON object per line with quotes, backslashes, control chars, non-ASCII in path, user agent, referrer', async () => {
    const id = 'nginx-escape-check-1';
    // %22 " %5C \ %01 %1F %7F, raw UTF-8; a raw quote and backslash too.
    const target = Buffer.from('/esc/q"uo\\te%22%5C%01%1F%7F/ünï-日本', 'utf8');
    const agent = 'Agent "quoted" \\back\\slash ünï 日本 \u0001\u001f end';
    const referrer = 'https://example.com/"ref"\\ünï\u0001';
    const answer = await rawRequest(target, [header('User-Agent', agent), header('Referer', referrer), header('X-Request-Id', id)]);
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3}/);

    const lines = await accessLines();
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const mine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((d) => d['http.request.id'] === id);
    expect(mine).toHaveLength(1);
    const document = mine[0]!;
    // $uri is the decoded, normalised path.
    expect(document['url.path']).toBe('/esc/q"uo\\te"\\\u0001\u001f\u007f/ünï-日本');
    expect(document['user_agent.original']).toBe(agent);
    expect(String(document.message)).toContain('/esc/q"uo\\te"\\');
  });

  it('have every field mapped in logs-custom.json with a type its value fits', async () => {
    await rawRequest(Buffer.from('/'), [header('X-Request-Id', 'nginx-fields-static')]);
    await rawRequest(Buffer.from('/api/todos'), [header('X-Request-Id', 'nginx-fields-proxied')]);
    const lines = await accessLines();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const problems = lines.flatMap((line) =>
      mappingProblems(JSON.parse(line) as Record<string, unknown>).map((p) => `${p}  in ${line.slice(0, 100)}`),
    );
    expect(problems).toEqual([]);
  });

  it("share no field path with the API's lines that is a value in one and an object in the other", async () => {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) });
    const logger = createLogger({
      level: 'debug',
      service: { name: 'todo-api', version: '0.0.0' },
      context: new RequestContext(),
      stream: sink,
    });
    logger.error('GET /api/simulate-error 500', {
      'http.request.id': 'x',
      'http.response.status_code': 500,
      'event.duration': 1,
      'error.type': 'Error',
      'error.message': 'm',
      'error.stack_trace': 's',
    });
    await new Promise((resolve) => setImmediate(resolve));
    const api = text
      .split('\n')
      .filter(Boolean)
      .map((l) => [...leafFields(JSON.parse(l) as Record<string, unknown>).keys()]);
    const nginx = (await accessLines()).map((l) => [...leafFields(JSON.parse(l) as Record<string, unknown>).keys()]);
    const all = new Set([...api.flat(), ...nginx.flat()]);
    expect(api.flat()).toContain('http.request.id');
    expect(nginx.flat()).toContain('http.request.id');
    const conflicts = [...all].filter((field) => [...all].some((other) => other.startsWith(`${field}.`)));
    expect(conflicts).toEqual([]);
  });
});
