import { randomUUID } from 'node:crypto';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment, type WaitStrategy } from 'testcontainers';
import { composeDown } from './compose-networks.js';
import { docker } from './docker.js';
import { repoRoot } from './repo.js';

/** The repository's own compose files as Testcontainers stacks: started on ephemeral ports, stopped with their networks. */

/**
 * Host ports 0: Docker picks free ones, so a test stack never collides with a
 * developer's running stack or another test. Read them with mappedUrl().
 */
const EPHEMERAL_PORTS = {
  API_PORT: '0',
  FRONTEND_PORT: '0',
  PROMETHEUS_PORT: '0',
  ALERTMANAGER_PORT: '0',
  GRAFANA_PORT: '0',
};

export interface StackOptions {
  /** Compose files relative to the repository root; later ones override earlier ones. */
  files: string[];
  env?: Record<string, string>;
  services?: string[];
  /** Replicas per service, as `docker compose up --scale service=N`. */
  scale?: Record<string, number>;
  /** Waits for containers without a health check (compose's `service-1` name), instead of the default health-check wait. */
  waits?: Record<string, WaitStrategy>;
}

/** Brings up the repository's own compose files (built locally), waiting on their health checks. */
export async function startStack(options: StackOptions): Promise<StartedDockerComposeEnvironment> {
  const project = `testcontainers-${randomUUID().slice(0, 12)}`;
  let environment = new DockerComposeEnvironment(repoRoot, options.files)
    .withProjectName(project)
    .withBuild()
    .withEnvironment({ ...EPHEMERAL_PORTS, ...options.env })
    // Services have health checks ("started" is not "ready"), except images
    // without a shell to run one: those name their own wait in `waits`.
    .withDefaultWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(240_000)
    .withClientOptions({
      commandOptions: Object.entries(options.scale ?? {}).flatMap(([service, replicas]) => ['--scale', `${service}=${replicas}`]),
    });
  for (const [container, wait] of Object.entries(options.waits ?? {})) {
    environment = environment.withWaitStrategy(container, wait);
  }
  const stack = await environment.up(options.services);
  projects.set(stack, project);
  return stack;
}

const projects = new WeakMap<StartedDockerComposeEnvironment, string>();

/**
 * `docker compose down --volumes` for a stack startStack() started (any other
 * stack: pass its project name). Ryuk is disabled on these machines, so
 * nothing else removes it. When the engine
 * refuses a network for endpoints it has not released yet (a known Docker
 * 20.10 race, see compose-networks.ts), the network is removed with a retry
 * budget, with a warning, instead of failing a file whose tests have all
 * reported; so is a network Compose left in place while exiting 0 (see
 * composeDown). Any other failure is thrown.
 */
export async function stopStack(stack: StartedDockerComposeEnvironment | undefined, project = stack && projects.get(stack)): Promise<void> {
  if (!stack) return;
  if (!project) {
    await stack.down({ removeVolumes: true });
    return;
  }
  await composeDown(project, () => stack.down({ removeVolumes: true }));
}

/**
 * Where the compose files publish ports: the Docker host's loopback, never
 * another interface. Not Testcontainers' getHost(): when the test runner itself
 * runs in a container that drives a local engine (a `/.dockerenv` file, as on
 * CI machines), getHost() answers the bridge gateway (172.17.0.1), and nothing
 * bound to 127.0.0.1 listens there.
 */
export const PUBLISHED_HOST = '127.0.0.1';

/** `http://127.0.0.1:port` of a published container port. `container` is compose's `service-1` name. */
export function mappedUrl(stack: StartedDockerComposeEnvironment, container: string, port: number): string {
  return `http://${PUBLISHED_HOST}:${stack.getContainer(container).getMappedPort(port)}`;
}

/**
 * `http://127.0.0.1:port` of a published port, read again from Docker: after
 * `docker stop` and `docker start` an ephemeral host port (0) is a new one.
 */
export async function publishedUrl(containerId: string, containerPort: number): Promise<string> {
  const lines = (await docker('port', containerId, `${containerPort}/tcp`)).trim().split('\n');
  const ipv4 = lines.find((line) => line.startsWith(`${PUBLISHED_HOST}:`)) ?? lines[0] ?? '';
  return `http://${PUBLISHED_HOST}:${ipv4.split(':').pop()}`;
}

/**
 * V8's heap limit inside a running Node container: a node started there gets the
 * image's NODE_OPTIONS and the container's cgroup, so the server's own limit.
 */
export async function v8HeapLimitBytes(containerId: string): Promise<number> {
  const script = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";
  return Number(await docker('exec', containerId, 'node', '-e', script));
}
