/**
 * A TCP black hole on loopback: it accepts connections and never answers, as a database
 * behind a dropped route or a frozen host does. Optionally a proxy to a real server that
 * turns into a black hole on demand (established connections go silent too) and heals again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlackHole {
  readonly port: number;
  /** Proxies only: stop forwarding in both directions, and hold new connections silently. */
  swallow(): void;
  /** Proxies only: forward again (connections swallowed meanwhile are dropped). */
  heal(): void;
  close(): Promise<void>;
}

export async function blackHole(target?: { host: string; port: number }): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  const swallowed = new Set<Socket>();
  let swallowing = target === undefined;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (swallowing || !target) {
      swallowed.add(socket);
      socket.on('data', () => undefined); // read and drop
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.on('data', (chunk) => void (swallowing ? undefined : upstream.write(chunk)));
    upstream.on('data', (chunk) => void (swallowing ? undefined : socket.write(chunk)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    swallow: () => {
      swallowing = true;
    },
    heal: () => {
      swallowing = false;
      // A connection that lost bytes is broken for good: drop every one, clients reconnect.
      for (const socket of sockets) socket.destroy();
      swallowed.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}
