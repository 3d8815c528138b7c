import type { ReadinessSnapshot } from '../observability/metrics.js';

export type DependencyState = 'up' | 'down';

export interface ReadinessReport {
  ready: boolean;
  checks: { database: DependencyState };
}

/**
 * Whether this instance should receive traffic: the database answers, the
 * schema is migrated (when this instance migrates it) and no shutdown began.
 */
export class Readiness {
  private shuttingDown = false;
  private schemaReady: boolean;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly pingDatabase: () => Promise<boolean>,
    options: { waitForMigrations: boolean },
  ) {
    this.schemaReady = !options.waitForMigrations;
  }

  markSchemaReady(): void {
    this.schemaReady = true;
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async check(): Promise<ReadinessReport> {
    // Concurrent probes share one ping instead of each taking a pool connection.
    this.inFlight ??= this.pingDatabase().finally(() => {
      this.inFlight = undefined;
    });
    const databaseUp = (await this.inFlight) && this.schemaReady;
    return { ready: databaseUp && !this.shuttingDown, checks: { database: databaseUp ? 'up' : 'down' } };
  }

  async snapshot(): Promise<ReadinessSnapshot> {
    const report = await this.check();
    return { ready: report.ready, databaseUp: report.checks.database === 'up' };
  }
}
