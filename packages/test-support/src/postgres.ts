import { randomBytes } from 'node:crypto';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import pg from 'pg';
import { inject } from 'vitest';
import { image } from './images.js';

/** The image the product runs on (deploy/compose/.env, the one place it is written). */
export const POSTGRES_IMAGE = image('POSTGRES_IMAGE');

/** Where the run's one PostgreSQL answers, as a superuser; handed to the test files by the global setup. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

export interface TestDatabase {
  /** DB_* variables for the API's configuration. */
  env: Record<string, string>;
  /** Runs SQL as the server's superuser in this database (roles, grants, fixtures). */
  adminQuery(sql: string): Promise<void>;
}

function envFor(server: PostgresServer, database: string): Record<string, string> {
  return {
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_NAME: database,
    DB_USER: server.user,
    DB_PASSWORD: server.password,
  };
}

async function withClient<T>(server: PostgresServer, database: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database of its own on the run's one PostgreSQL container (started
 * by postgres-global-setup.ts): files are isolated without a container each.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = inject('postgres');
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClient(server, 'postgres', (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    env: envFor(server, name),
    adminQuery: async (sql) => {
      await withClient(server, name, (client) => client.query(sql));
    },
  };
}

export interface OwnPostgres extends TestDatabase {
  container: StartedPostgreSqlContainer;
}

/**
 * A PostgreSQL container of its own, for the tests that stop and start it.
 * `hostPort` pins the published port so it comes back at the same address.
 */
export async function startPostgres(options: { hostPort?: number } = {}): Promise<OwnPostgres> {
  let builder = new PostgreSqlContainer(POSTGRES_IMAGE).withDatabase('todo').withUsername('todo').withPassword('todo-test-password');
  if (options.hostPort !== undefined) builder = builder.withExposedPorts({ container: 5432, host: options.hostPort });
  const container = await builder.start();
  const server = { host: container.getHost(), port: container.getPort(), user: container.getUsername(), password: container.getPassword() };
  return {
    container,
    env: envFor(server, container.getDatabase()),
    adminQuery: async (sql) => {
      await withClient(server, container.getDatabase(), (client) => client.query(sql));
    },
  };
}
