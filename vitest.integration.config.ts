import { defineConfig } from 'vitest/config';

// `npm run test:integration`: the same runtime against real services from `scripts/services`.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
