import { defineConfig } from 'vitest/config';
import { sourceConditions } from './vitest.shared.js';

/**
 * `npm run test:integration`: real services from `scripts/services` (PostgreSQL, Redis
 * Cluster, Kafka). The runtime suites of `npm test` run again here on real PostgreSQL.
 */
export default defineConfig({
  ...sourceConditions,
  test: {
    include: [
      'test/integration/**/*.test.ts',
      'test/runtime/{lifecycle,logs,quota,tenancy,supervision,validation,recovery}.test.ts',
    ],
    env: { DEBUG_HOST_TEST_STORE: 'postgres' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
