import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: whole compose stacks built from the repository's own files.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['tests/e2e/**/*.e2e.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // Two files at a time: the alert drill spends most of its ~9 minutes waiting
    // on alert timers, so the other suites run beside it instead of after it.
    // Each file starts its own compose project on ephemeral ports. Not isolated
    // beyond that: the logging suite's Fluent Bit tails every container on the
    // machine and node-exporter sees the whole host, so suites assert only on
    // their own request ids and series, never on machine-wide counts.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
