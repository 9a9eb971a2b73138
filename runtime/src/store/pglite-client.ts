import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Queryable, SqlClient, TransactionOptions } from './sql-client.js';
import type { WorkerReply, WorkerRequest } from './pglite-worker.js';

export interface PgliteClientOptions {
  /** Directory of the database files; in memory when undefined. @default - in memory */
  readonly dataDir?: string;
}

/** Where the worker's program is: beside this module, as the image's bundle, the package or the source has it. */
function workerUrl(): URL {
  for (const name of ['pglite-worker.mjs', 'pglite-worker.js', 'pglite-worker.ts']) {
    const url = new URL(`./${name}`, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new Error(`The embedded store's worker (pglite-worker.*) is missing beside ${import.meta.url}.`);
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Embedded PGlite, run in a worker thread (store/pglite-worker.ts) so that its statements
 * never block the server's event loop. It is one session: a transaction holds it from BEGIN
 * to COMMIT (transactions are serialized); statements outside one, then read-only
 * transactions, go before the writing transactions still waiting.
 */
export class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private ended?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      // Like a socket, the worker keeps the process alive only while a call waits on it.
      if (this.waiting.size === 0) worker.unref();
      if (!waiter) return;
      if ('error' in reply) waiter.reject(Object.assign(new Error(String(reply.error.message)), reply.error));
      else waiter.resolve(reply);
    });
    const end = (error: Error): void => {
      this.ended ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(this.ended);
      this.waiting.clear();
    };
    worker.on('error', (error) => end(new Error(`The embedded store's worker failed: ${error.message}`)));
    worker.on('exit', (code) => end(new Error(`The embedded store's worker ended (exit code ${code}).`)));
  }

  static async open(options: PgliteClientOptions = {}): Promise<PgliteClient> {
    const worker = new Worker(workerUrl(), { workerData: { dataDir: options.dataDir } });
    // The first message says whether the database opened.
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (reply: WorkerReply) =>
        'error' in reply ? reject(Object.assign(new Error(String(reply.error.message)), reply.error)) : resolve(),
      );
      worker.once('error', reject);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.unref();
    return new PgliteClient(worker);
  }

  query<T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    return this.call({ op: 'query', sql, params }).then((r) => ({ rows: ('rows' in r ? r.rows : []) as T[] }));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const begun = await this.call({ op: 'begin', readOnly: options.readOnly === true });
    const tx = 'tx' in begun ? (begun.tx as number) : 0;
    const scoped: Queryable = {
      query: <R>(sql: string, params: readonly unknown[] = []) =>
        this.call({ op: 'query', sql, params, tx }).then((r) => ({ rows: ('rows' in r ? r.rows : []) as R[] })),
    };
    let result: T;
    try {
      result = await fn(scoped);
    } catch (error) {
      await this.call({ op: 'rollback', tx }).catch(() => undefined);
      throw error;
    }
    await this.call({ op: 'commit', tx });
    return result;
  }

  async close(): Promise<void> {
    if (this.ended) return;
    await this.call({ op: 'close' }).catch(() => undefined);
    this.ended = new Error('The embedded store is closed.');
    await this.worker.terminate();
  }

  private call(request: Request): Promise<WorkerReply> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id });
    });
  }
}
