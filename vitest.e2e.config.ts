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
    // Each file starts its own compose project on ephemeral ports.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
