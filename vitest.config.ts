import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests print what a merchant would see; keep them quiet unless asked.
    silent: 'passed-only',
    // The tests' shops and Spartoo are sandboxes on this machine: loopback URLs allowed (domain/urls.ts),
    // for the processes the tests start too.
    env: { SPARTOO_ALLOW_CUSTOM_URL: '1' },
  },
});
