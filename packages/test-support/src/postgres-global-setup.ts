import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

/**
 * Vitest global setup: one PostgreSQL container for the whole run (starting one
 * takes seconds on a shared 2-core machine); each test file makes its own
 * database on it with createTestDatabase().
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const own = await startPostgres();
  project.provide('postgres', {
    host: own.container.getHost(),
    port: own.container.getPort(),
    user: own.container.getUsername(),
    password: own.container.getPassword(),
  });
  return async () => {
    await own.container.stop();
  };
}
