import { defineConfig } from 'vitest/config';

// The end-to-end stack test (npm run test:stack): one file, run in order, with room for the
// first collector build (minutes) in the setup hook; later runs reuse the cached binary.
export default defineConfig({
  test: {
    include: ['test/stack/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 45 * 60_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
