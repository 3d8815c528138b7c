import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';

/** The image the product runs on, read from deploy/compose/app.yaml, the one place it is written. */
export const POSTGRES_IMAGE = (
  parse(readFileSync(new URL('../../../../deploy/compose/app.yaml', import.meta.url), 'utf8')) as {
    services: { db: { image: string } };
  }
).services.db.image;

export interface TestDatabase {
  container: StartedPostgreSqlContainer;
  env: Record<string, string>;
}

/**
 * A real PostgreSQL in a container. `hostPort` pins the published port so
 * the container can be stopped and started again at the same address.
 */
export async function startPostgres(options: { hostPort?: number } = {}): Promise<TestDatabase> {
  let builder = new PostgreSqlContainer(POSTGRES_IMAGE).withDatabase('todo').withUsername('todo').withPassword('todo-test-password');
  if (options.hostPort !== undefined) builder = builder.withExposedPorts({ container: 5432, host: options.hostPort });
  const container = await builder.start();
  return {
    container,
    env: {
      DB_HOST: container.getHost(),
      DB_PORT: String(container.getPort()),
      DB_NAME: container.getDatabase(),
      DB_USER: container.getUsername(),
      DB_PASSWORD: container.getPassword(),
    },
  };
}
