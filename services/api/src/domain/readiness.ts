import type { ReadinessSnapshot } from '../observability/metrics.js';

export type DependencyState = 'up' | 'down';
/** `pending` until this instance's migrations are applied; `up` when it does not migrate at start. */
export type SchemaState = 'up' | 'pending';

export interface ReadinessReport {
  ready: boolean;
  checks: { database: DependencyState; schema: SchemaState };
}

/**
 * Whether this instance should receive traffic: the database answers, the
 * schema is migrated (when this instance migrates it) and no shutdown began.
 * Database and schema are separate checks: a database that answers while
 * migrations are pending is not an unreachable database.
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
    const databaseUp = await this.inFlight;
    const schemaReady = this.schemaReady;
    return {
      ready: databaseUp && schemaReady && !this.shuttingDown,
      checks: { database: databaseUp ? 'up' : 'down', schema: schemaReady ? 'up' : 'pending' },
    };
  }

  async snapshot(): Promise<ReadinessSnapshot> {
    const report = await this.check();
    return {
      ready: report.ready,
      dependencies: { database: report.checks.database === 'up', schema: report.checks.schema === 'up' },
    };
  }
}
