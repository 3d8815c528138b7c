import { defineConfig } from 'vitest/config';

// `npm test`: unit tests and integration tests against real containers
// (PostgreSQL, Prometheus, Alertmanager through Testcontainers).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'services/*/src/**/*.test.ts',
            'packages/*/**/*.test.ts',
            'monitoring/**/*.test.ts',
            'logging/**/*.test.ts',
            'deploy/**/*.test.ts',
            'loadtest/**/*.test.ts',
            'tests/bench/**/*.test.ts',
            'tests/docs/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.integration.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One PostgreSQL container for the run; each file creates its own database on it.
          globalSetup: ['packages/test-support/src/postgres-global-setup.ts'],
          // Containers are the expensive part: run files one at a time on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
