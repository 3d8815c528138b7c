/**
 * The environment for a `docker` or `docker compose` command a test starts:
 * what the CLI needs to find the engine, its configuration and its plugins,
 * plus the variables the test names, and nothing else of the test process.
 *
 * Not `{ ...process.env }`: Compose interpolates the files with the whole
 * environment it is given, and a Vitest worker's holds variables no user's
 * shell has (Vite's BASE_URL=/, MODE, NODE_ENV=test, ...). The k6 service
 * takes BASE_URL, LOAD_RATE and the other run settings from it
 * (deploy/compose/loadtest.yaml), so with process.env k6 got BASE_URL=/ and
 * refused to start; a developer's LOAD_RATE would likewise change a test's run.
 */
const KEPT = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'LANG',
  'TZ',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];
/** Docker's own (DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT, TLS), buildx's, locales and the XDG directories (rootless engines). */
const KEPT_PREFIXES = ['DOCKER_', 'BUILDX_', 'LC_', 'XDG_'];

export function dockerEnv(extra: Record<string, string>, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (KEPT.includes(name) || KEPT_PREFIXES.some((prefix) => name.startsWith(prefix)))) env[name] = value;
  }
  return { ...env, ...extra };
}
