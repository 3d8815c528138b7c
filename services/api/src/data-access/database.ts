import pg from 'pg';
import { ConnectionError, Sequelize } from 'sequelize';
import type { DatabaseConfig } from '../config/config.js';
import type { PoolStats } from '../observability/metrics.js';

export function createSequelize(config: DatabaseConfig, applicationName: string): Sequelize {
  return new Sequelize({
    dialect: 'postgres',
    dialectModule: pg,
    host: config.host,
    port: config.port,
    database: config.name,
    username: config.user,
    password: config.password,
    // SQL is never logged: statements can carry user data.
    logging: false,
    pool: {
      max: config.poolMax,
      min: 0,
      // Fail fast while the database is down instead of queueing requests for 60 s.
      acquire: config.connectTimeoutMs + 1_000,
      idle: 10_000,
      evict: 1_000,
    },
    dialectOptions: {
      application_name: applicationName,
      connectionTimeoutMillis: config.connectTimeoutMs,
      statement_timeout: config.statementTimeoutMs,
      ...(config.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    },
    define: { underscored: true },
  });
}

interface SequelizePool {
  size: number;
  available: number;
  using: number;
  waiting: number;
  maxSize: number;
}

export function poolStats(sequelize: Sequelize, max: number): PoolStats {
  // sequelize-pool is not part of Sequelize's typed API; read it defensively.
  const pool = (sequelize.connectionManager as unknown as { pool?: SequelizePool }).pool;
  if (pool === undefined) return { inUse: 0, idle: 0, waiting: 0, max };
  return { inUse: pool.using, idle: pool.available, waiting: pool.waiting, max };
}

/** True when PostgreSQL answers a trivial query within the timeout. */
export async function pingDatabase(sequelize: Sequelize, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([sequelize.query('SELECT 1', { raw: true }).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** SQLSTATE classes that mean "the database is not there", not "the query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P|53)/;

/**
 * The trusted "database unavailable" classification: a connection failure,
 * not a wrong query or missing rights. Follows `cause`, so an error wrapped by
 * Umzug (MigrationError) is classified by what it wraps.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof ConnectionError) return true;
    // Sequelize wraps the driver's error as `original`; the repository's hot paths get node-postgres's own.
    const original = (current as { original?: unknown }).original;
    for (const candidate of [current, original] as { code?: unknown; message?: unknown }[]) {
      if (typeof candidate !== 'object' || candidate === null) continue;
      if (typeof candidate.code === 'string' && UNAVAILABLE_SQLSTATE.test(candidate.code)) return true;
      // node-postgres reports a connection dropped mid-query without a SQLSTATE.
      if (typeof candidate.message === 'string' && /Connection terminated|ECONNRESET|ECONNREFUSED/.test(candidate.message)) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
