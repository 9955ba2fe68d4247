import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks isolate tests that start servers and child processes (nginx, openssl).
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
