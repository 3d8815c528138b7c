import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@testcontainers/postgresql';

/** The image the product runs on (deploy/compose/app.yaml): tests use the same one. */
export const POSTGRES_IMAGE = 'postgres:18';

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
