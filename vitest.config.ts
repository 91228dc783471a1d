import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // End-to-end tests start real processes; two cores are shared, so run files one by one.
    fileParallelism: false,
    reporters: ['default'],
  },
});
