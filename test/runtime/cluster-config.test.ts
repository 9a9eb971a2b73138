import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../runtime/src/config.js';
import { Runtime } from '../../runtime/src/runtime.js';

/** Nothing listens on port 1: reaching the store would fail with a connection error instead. */
const UNREACHABLE_DATABASE = 'postgres://debug-host@127.0.0.1:1/none';

describe('cluster configuration', () => {
  it('refuses to start a replica on PostgreSQL without a cluster secret, naming DEBUG_HOST_CLUSTER_SECRET and how to set it', async () => {
    const config = loadConfig({ databaseUrl: UNREACHABLE_DATABASE, jwksUrl: 'https://id.example.com/jwks', logLevel: 'silent' }, {});
    await expect(Runtime.create(config, { logger: pino({ level: 'silent' }), env: {} })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'clusterSecret',
      message: expect.stringMatching(/DEBUG_HOST_CLUSTER_SECRET.*required/),
      fix: expect.stringMatching(/DEBUG_HOST_CLUSTER_SECRET.*32.*every replica/),
    });
  });
});
