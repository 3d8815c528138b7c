/**
 * Docker HEALTHCHECK without curl: exits 0 when the readiness probe answers 200.
 * Reads PORT itself because the full configuration is not needed to knock on a port.
 */
const port = process.env.PORT ?? '8000';

try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) });
  process.exitCode = response.status === 200 ? 0 : 1;
} catch {
  process.exitCode = 1;
}
