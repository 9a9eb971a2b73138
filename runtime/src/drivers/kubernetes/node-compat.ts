/**
 * @kubernetes/client-node 2.0.1 talks HTTP through undici 8, which is written for Node 22
 * and fails to load on Node 20 (this package's engine) at three places. Each shim below
 * stands in for a Node 22 API undici touches, only where the API is missing:
 * - `zlib.createZstdDecompress`: undici binds it at load for `Content-Encoding: zstd`, which
 *   the API server never sends; the stand-in throws if it ever does.
 * - `worker_threads.markAsUncloneable`: marks web objects as not transferable; a no-op here
 *   (nothing is posted to workers).
 * - `Promise.withResolvers`: the standard polyfill.
 * Import this module before the first import of @kubernetes/client-node (kube-parts.ts does).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The CommonJS view of the built-ins is the object undici destructures from.
const zlib = require('node:zlib') as Record<string, unknown>;
const workers = require('node:worker_threads') as Record<string, unknown>;

if (typeof zlib.createZstdDecompress !== 'function') {
  zlib.createZstdDecompress = () => {
    throw new Error('zstd-encoded responses need Node 22.15 or later');
  };
}
if (typeof workers.markAsUncloneable !== 'function') workers.markAsUncloneable = () => undefined;

interface WithResolvers {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };
}
const PromiseWith = Promise as unknown as WithResolvers;
if (typeof PromiseWith.withResolvers !== 'function') {
  PromiseWith.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    return { promise, resolve, reject };
  };
}

export const nodeCompat = true;
