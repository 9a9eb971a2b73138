/**
 * Hostile tokens, with a shared secret and with JWKS: each is refused with 401, its reason in
 * the body, and counted by reason in /metrics; a good token keeps working beside them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, connect, startRuntime, type Harness } from './harness.js';

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}) {
  return { tenant: 'default', role: 'developer', sub: 'dev@default', aud: 'debug-host', iss: 'debug-host', iat: now(), exp: now() + 600, ...overrides };
}

async function hs256(secret: string, overrides: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims(overrides)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

async function post(harness: Harness, token: string): Promise<{ status: number; body: { reason?: string; message?: string } }> {
  const response = await fetch(harness.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
  });
  return { status: response.status, body: response.status === 401 ? await response.json() : {} };
}

async function refusals(harness: Harness): Promise<Record<string, number>> {
  const text = await (await fetch(new URL('/metrics', harness.url))).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^debug_host_token_refusals_total\{reason="([a-z_]+)"[^}]*\} (\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

describe('tokens signed with the shared secret', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startRuntime();
  });
  afterAll(() => harness.close());

  it.each([
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`, 'algorithm'],
    ['signed with another secret', () => hs256('another secret of at least 32 characters!'), 'signature'],
    ['expired', () => hs256(SECRET, { iat: now() - 7200, exp: now() - 3600 }), 'expired'],
    ['not yet valid', () => hs256(SECRET, { nbf: now() + 3600 }), 'not_yet_valid'],
    ['for another audience', () => hs256(SECRET, { aud: 'other-service' }), 'audience'],
    ['from another issuer', () => hs256(SECRET, { iss: 'https://evil.example' }), 'issuer'],
    ['with a numeric tenant', () => hs256(SECRET, { tenant: 42 }), 'tenant'],
    ['with a tenant that is no tenant id', () => hs256(SECRET, { tenant: '../platform' }), 'tenant'],
    ['with an unknown role', () => hs256(SECRET, { role: 'root' }), 'role'],
    ['with a role of the wrong type', () => hs256(SECRET, { role: ['platform-admin'] }), 'role'],
    ['that is not a JWT', async () => 'not.a.jwt', 'invalid'],
  ])('refuses a token %s with 401 and its reason, and counts it', async (_what, make, reason) => {
    const before = (await refusals(harness))[reason] ?? 0;
    const { status, body } = await post(harness, await make());
    expect(status).toBe(401);
    expect(body.reason).toBe(reason);
    expect(body.message).toEqual(expect.any(String));
    expect((await refusals(harness))[reason]).toBe(before + 1);
    expect((await post(harness, await harness.token('default', 'developer'))).status).toBe(200);
  });
});

describe('tokens of an identity provider (JWKS)', () => {
  let harness: Harness;
  let jwks: Server;
  let signing: CryptoKey;
  let publicPem: string;
  const rs256 = (key: CryptoKey, overrides: Record<string, unknown> = {}) =>
    new SignJWT(claims(overrides)).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signing = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    harness = await startRuntime({ jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` });
  });
  afterAll(async () => {
    await harness.close();
    jwks.close();
  });

  it('takes a token the provider signed, through MCP', async () => {
    const client = await connect(harness.url, await rs256(signing));
    expect((await client.ok('host.list')).projects).toEqual([]);
    await client.close();
  });

  it('refuses HS256 signed with the public key (algorithm confusion), another key, and the shared secret', async () => {
    const confused = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(publicPem));
    expect(await post(harness, confused)).toMatchObject({ status: 401, body: { reason: 'algorithm' } });
    const stranger = (await generateKeyPair('RS256')).privateKey;
    expect(await post(harness, await rs256(stranger))).toMatchObject({ status: 401, body: { reason: 'signature' } });
    expect(await post(harness, await hs256(SECRET))).toMatchObject({ status: 401, body: { reason: 'algorithm' } });
    expect(await post(harness, await rs256(signing, { exp: now() - 60 }))).toMatchObject({ status: 401, body: { reason: 'expired' } });
    const counts = await refusals(harness);
    expect(counts.algorithm).toBe(2);
    expect(counts.signature).toBe(1);
  });
});
