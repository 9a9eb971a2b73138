/**
 * The router against a real peer on loopback that answers as told: an owner's refusal (401,
 * a JSON-RPC error) is its answer, passed back; only an owner that cannot answer (transport
 * error, timeout, 5xx) is suspected; and a call whose owner could not be reached never runs
 * on this replica, which does not own the project.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Membership, type Member, type MemberSource } from '../../runtime/src/cluster/membership.js';
import { CallRouter } from '../../runtime/src/cluster/router.js';
import type { Principal } from '../../runtime/src/tenancy/principal.js';
import { ToolDispatcher } from '../../runtime/src/tools/dispatcher.js';
import { FIXTURES, WEB, startRuntime, type Harness } from './harness.js';

type PeerMode = '401' | 'rpc-error' | '500' | 'hang' | 'refused';
const PEER = 'peer-1';
const DEV: Principal = { subject: 'router-test', tenantId: 'default', role: 'developer' };
const logger = pino({ level: 'silent' });

/** An address nothing listens on: a port that was just free. */
async function closedAddress(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return `http://127.0.0.1:${port}`;
}

describe('routing to the owner', () => {
  let harness: Harness;
  let peer: Server;
  let peerAddress: string;
  let mode: PeerMode = '401';
  let received = 0;
  let membership: Membership;
  let dispatcher: ToolDispatcher;

  beforeAll(async () => {
    harness = await startRuntime();
    peer = createServer((req, res) => {
      received += 1;
      req.resume();
      if (mode === 'hang') return; // accepts and never answers
      if (mode === '500') return void res.writeHead(500).end('boom');
      if (mode === '401') return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthenticated', message: 'The token has expired.', fix: 'Get a new token.' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid params from the owner' } }));
    });
    await new Promise<void>((done) => peer.listen(0, '127.0.0.1', done));
    peerAddress = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    peer.closeAllConnections();
    await new Promise((done) => peer.close(done));
    await harness.close();
  });

  /** A fresh ring of this replica and the peer, the peer answering as `peerMode` says. */
  async function routeTo(peerMode: PeerMode): Promise<void> {
    mode = peerMode;
    received = 0;
    const address = peerMode === 'refused' ? await closedAddress() : peerAddress;
    const source: MemberSource = {
      poll: async (self: Member) => [self, { id: PEER, address, draining: false }],
      leave: async () => undefined,
    };
    membership = new Membership({ source, self: { id: harness.runtime.config.replicaId, address: '', draining: false }, logger });
    await membership.start('http://127.0.0.1:9');
    await membership.stop(); // one poll is enough: no heartbeat timer in the test
    const router = new CallRouter({ membership, logger, secret: 'x'.repeat(32), timeoutMs: 300 });
    dispatcher = new ToolDispatcher({ store: harness.runtime.store, projects: harness.runtime.projects, metrics: harness.runtime.metrics, logger, router });
  }

  /** A project of the default tenant whose ring owner is the peer. */
  async function projectOwnedByPeer(): Promise<string> {
    for (let i = 0; i < 40; i += 1) {
      const registered = await dispatcher.call('host.register', { name: `routed-${Date.now()}-${i}`, workspace: FIXTURES, command: WEB }, DEV, { token: 't' });
      const id = (registered.structuredContent as { projectId: string }).projectId;
      if (membership.ring.ownerOf(id) === PEER) return id;
    }
    throw new Error('no project hashed to the peer');
  }

  const errorOf = (result: Awaited<ReturnType<ToolDispatcher['call']>>) => (result.structuredContent as { error: Record<string, any> }).error;

  it('passes the owner\'s 401 (an expired token) back to the caller and keeps the owner in the ring', async () => {
    await routeTo('401');
    const projectId = await projectOwnedByPeer();
    const result = await dispatcher.call('host.status', { projectId }, DEV, { token: 't' });
    expect(result.isError).toBe(true);
    expect(errorOf(result)).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('The token has expired.'), fix: 'Get a new token.' });
    expect(received).toBe(1);
    expect(membership.isActive(PEER)).toBe(true);
  });

  it('passes a JSON-RPC error answer of the owner back and keeps the owner in the ring', async () => {
    await routeTo('rpc-error');
    const projectId = await projectOwnedByPeer();
    const result = await dispatcher.call('host.status', { projectId }, DEV, { token: 't' });
    expect(result.isError).toBe(true);
    expect(errorOf(result)).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('Invalid params from the owner') });
    expect(received).toBe(1);
    expect(membership.isActive(PEER)).toBe(true);
  });

  it.each(['500', 'hang', 'refused'] as const)('suspects an owner that answers %s, and answers unavailable with a retry hint instead of starting the project here', async (failure) => {
    await routeTo(failure);
    const projectId = await projectOwnedByPeer();
    const result = await dispatcher.call('host.start', { projectId }, DEV, { token: 't' });
    expect(result.isError).toBe(true);
    expect(errorOf(result)).toMatchObject({ code: 'unavailable', retryAfterMs: expect.any(Number), fix: expect.stringMatching(/Retry/) });
    expect(membership.isActive(PEER)).toBe(false);
    const project = await harness.runtime.projects.find(harness.runtime.store.tenant('default'), projectId);
    expect(project.state).not.toMatch(/starting|running/);
    expect(harness.runtime.projects.supervisor.activeCount).toBe(0);
  });
});
