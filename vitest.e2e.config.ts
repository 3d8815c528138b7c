import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: whole compose stacks built from the repository's own files.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['tests/e2e/**/*.e2e.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
