import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '../data-access/database.js';
import { migrateUp } from '../data-access/migrator.js';
import { errorFields } from '../observability/logger.js';
import { configFromEnvOrExit } from './config-or-exit.js';
import { createService, type Service } from './service.js';

const MIGRATION_RETRY_MS = { first: 500, max: 10_000 };
const IDLE_REAP_INTERVAL_MS = 100;

/**
 * With MIGRATE_ON_START the API still starts while PostgreSQL is down and
 * migrates once it answers. Only connectivity is worth waiting for: a
 * migration that fails for another reason (SQL error, missing rights, a
 * changed migration) fails the same way on every retry, so it is logged once
 * and the process exits non-zero for the operator (and the orchestrator) to see.
 */
async function migrateWhenDatabaseAnswers(service: Service, stopped: () => boolean): Promise<'done' | 'stopped' | 'failed'> {
  let delay = MIGRATION_RETRY_MS.first;
  while (!stopped()) {
    try {
      const applied = await migrateUp(service.sequelize, service.logger);
      service.logger.info(`migrations done (${applied.length} applied)`, { 'labels.migrations': applied.join(',') });
      service.readiness.markSchemaReady();
      return 'done';
    } catch (error) {
      if (!isDatabaseUnavailable(error)) {
        const message = error instanceof Error ? error.message : String(error);
        service.logger.error(`migrations failed, not retrying: ${message}`, {
          'event.action': 'migration-failed',
          ...errorFields(error),
        });
        return 'failed';
      }
      // Expected while PostgreSQL starts: no stack, one line per attempt.
      service.logger.warn(`migrations not applied yet, retrying in ${delay} ms`, errorFields(error, { stack: false }));
      await sleep(delay);
      delay = Math.min(delay * 2, MIGRATION_RETRY_MS.max);
    }
  }
  return 'stopped';
}

/**
 * SIGTERM: readiness turns 503 at once, the listener stays open for the drain
 * delay (so a load balancer notices), then stops accepting; in-flight requests
 * get until the timeout to finish; then the pool closes and the process exits 0.
 */
async function shutdown(service: Service, server: Server, signal: string): Promise<void> {
  const { logger, config } = service;
  service.readiness.beginShutdown();
  logger.info(`${signal} received, shutting down`, { 'event.action': 'shutdown-started' });
  await sleep(config.shutdown.drainDelayMs);

  let closed = false;
  const allClosed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => {
    closed = true;
  });
  // close() only stops accepting: keep-alive sockets stay open until they idle out.
  // Close each one as soon as its last request finishes.
  const reaper = setInterval(() => server.closeIdleConnections(), IDLE_REAP_INTERVAL_MS);
  server.closeIdleConnections();
  await Promise.race([allClosed, sleep(config.shutdown.timeoutMs)]);
  clearInterval(reaper);
  if (!closed) {
    logger.warn(`requests still running after ${config.shutdown.timeoutMs} ms, closing their connections`);
    server.closeAllConnections();
  }
  service.trustedProxies.stop();
  await service.sequelize.close();
  logger.info('shutdown complete', { 'event.action': 'shutdown-complete' });
  // Every buffered line, the access lines of the last requests included, reaches stdout before exit.
  await service.logSink.flush();
}

async function main(): Promise<void> {
  const service = createService(configFromEnvOrExit(process.env));
  const { logger, config } = service;
  // process.exit() elsewhere (a crash, a failed migration): what is buffered is written synchronously on the way out.
  process.on('exit', () => service.logSink.flushSync());

  // Untrusted errors outside a request: log with the stack and crash; the orchestrator restarts us.
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception, exiting', errorFields(error));
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection, exiting', errorFields(reason));
    process.exit(1);
  });

  // Hostnames in TRUST_PROXY are resolved before the first request is served.
  await service.trustedProxies.start();
  const server = service.app.listen(config.port, config.host, () => {
    logger.info(`listening on ${config.host}:${config.port}`, {
      'event.action': 'listening',
      'labels.chaos_endpoints': String(config.chaosEndpoints),
    });
  });
  server.on('error', (error) => {
    logger.error('cannot listen', errorFields(error));
    process.exit(1);
  });
  // Longer than a reverse proxy's idle keep-alive, so the proxy closes first and never reuses a closed socket.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping = false;
  if (config.migrateOnStart) {
    migrateWhenDatabaseAnswers(service, () => stopping).then(
      async (outcome) => {
        if (outcome !== 'failed') return;
        await service.sequelize.close().catch(() => undefined);
        process.exit(1);
      },
      (error: unknown) => {
        logger.error('migration loop failed', errorFields(error));
        process.exit(1);
      },
    );
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    shutdown(service, server, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

await main();
