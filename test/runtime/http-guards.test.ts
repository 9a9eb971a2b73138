/**
 * Port 2601 against hostile HTTP: foreign origins (DNS rebinding), wrong content types,
 * oversized bodies, malformed JSON, batches, deep nesting, clients that trickle their
 * headers, many idle connections. Throughout, a well-behaved agent keeps being answered.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import { startRuntime, type Harness, type TestClient } from './harness.js';

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
const MAX_BODY = 64 * 1024;

describe('the HTTP layer refuses what is not a well-formed MCP call, and keeps answering others', () => {
  let harness: Harness;
  let token: string;
  let agent: TestClient;

  beforeAll(async () => {
    harness = await startRuntime({ maxBodyBytes: MAX_BODY, allowedOrigins: 'https://portal.example.com', headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    token = await harness.token('default', 'developer');
    agent = await harness.client('default', 'developer');
  });
  afterAll(() => harness.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(harness.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body,
    });
  const stillAnswers = async () => expect((await agent.ok('host.list')).projects).toEqual(expect.any(Array));

  it('refuses a browser page of a foreign origin with 403 (DNS rebinding), before the token is looked at', async () => {
    for (const origin of ['http://evil.example', 'https://portal.example.com.evil.example', 'null']) {
      const response = await post(JSON.stringify(initialize), { origin, authorization: '' });
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toMatch(/origin .* not allowed.*DEBUG_HOST_ALLOWED_ORIGINS/);
    }
    for (const origin of ['https://portal.example.com', 'http://localhost:5173', 'http://127.0.0.1:2601']) {
      expect((await post(JSON.stringify(initialize), { origin })).status).toBe(200);
    }
    expect((await post(JSON.stringify(initialize))).status).toBe(200); // agents send no Origin
  });

  it('refuses a body that is not JSON by its content type with 415, and malformed JSON with a parse error', async () => {
    const wrongType = await post(JSON.stringify(initialize), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error.message).toMatch(/Content-Type: application\/json, not text\/plain/);
    const malformed = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatchObject({ code: -32700, message: expect.stringMatching(/not JSON/) });
    await stillAnswers();
  });

  it('refuses an oversized body with 413, by its Content-Length before reading it and while reading a chunked one', async () => {
    const declared = await rawRequest(harness.url, token, { 'content-length': String(MAX_BODY * 100) }, '');
    expect(declared.status).toBe(413);
    expect(declared.body).toMatch(new RegExp(`exceeds ${MAX_BODY} bytes \\(DEBUG_HOST_MAX_BODY_BYTES\\)`));

    const chunked = await post(JSON.stringify({ ...initialize, padding: 'x'.repeat(MAX_BODY * 2) }), {});
    expect(chunked.status).toBe(413);
    await stillAnswers();
  });

  it('answers a JSON-RPC batch, deep nesting and wrong Accept headers with an error, not a crash', async () => {
    const batch = await post(JSON.stringify([initialize, { ...initialize, id: 2 }]));
    expect(batch.status).toBeGreaterThanOrEqual(200);
    expect(batch.status).toBeLessThan(500);

    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const nested = await post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"host.list","arguments":{"nameContains":${deep}}}}`);
    expect(nested.status).toBeLessThan(500);

    const accept = await post(JSON.stringify(initialize), { accept: 'text/html' });
    expect(accept.status).toBe(406);
    await stillAnswers();
  });

  it('cuts a client that trickles its headers (408), while 200 idle connections are open and an agent is answered', async () => {
    const { host, port } = new URL(harness.url);
    const idle = await Promise.all(Array.from({ length: 200 }, () => openSocket(host.split(':')[0] ?? '127.0.0.1', Number(port))));
    const slow = await openSocket('127.0.0.1', Number(port));
    const closed = new Promise<string>((resolve) => {
      let received = '';
      slow.on('data', (d) => (received += d.toString()));
      slow.on('close', () => resolve(received));
    });
    slow.write('POST /mcp HTTP/1.1\r\nHost: x\r\n'); // and never the rest
    await stillAnswers();
    expect(await closed).toMatch(/^HTTP\/1.1 408/);
    for (const s of idle) s.destroy();
    await stillAnswers();
  });

  it('refuses a configuration with an origin that is not one, naming the variable', () => {
    expect(() => loadConfig({}, { DEBUG_HOST_ALLOWED_ORIGINS: 'https://ok.example, portal.example.com/path' })).toThrow(
      /allowedOrigins \(DEBUG_HOST_ALLOWED_ORIGINS\): 'portal.example.com\/path' is not an origin/,
    );
    expect(loadConfig({}, { DEBUG_HOST_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080' }).allowedOrigins).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
  });
});

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** One request written by hand (a Content-Length the body does not match, which fetch will not send). */
async function rawRequest(url: string, token: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url);
  const socket = await openSocket(hostname, Number(port));
  const lines = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}`, `Authorization: Bearer ${token}`, 'Content-Type: application/json', 'Accept: application/json, text/event-stream'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  const text = await new Promise<string>((resolve) => {
    let received = '';
    socket.on('data', (d) => {
      received += d.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(received)) resolve(received);
    });
    socket.on('close', () => resolve(received));
  });
  socket.destroy();
  return { status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}
