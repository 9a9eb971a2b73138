import { defineConfig } from 'vitest/config';
import { sourceConditions } from './vitest.shared.js';

// `npm test`: everything that needs only Node (embedded store, process driver, synth, mocks).
export default defineConfig({
  ...sourceConditions,
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
