import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Namespace and CLI tests spawn processes; keep the machine responsive on 2 cores.
    maxWorkers: 2,
  },
});
