import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks isolate tests that start servers and child processes (nginx, openssl).
    pool: 'forks',
    // One test PKI valid at the wall-clock now, for tests that verify a live server certificate.
    globalSetup: ['test/setup/fresh-pki.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
