/**
 * The embedded store's engine, in a worker thread (store/pglite-client.ts starts it): PGlite
 * runs each statement synchronously in WebAssembly, and in the server's thread that time
 * (a third of a 1,000-start burst's CPU) was time the event loop did not answer HTTP.
 *
 * PGlite is one session, so a transaction holds the engine from BEGIN to COMMIT; statements
 * outside a transaction, then read-only transactions, go before the writing transactions
 * still waiting (reads do not queue behind a burst of starts), never inside an open one.
 *
 * Only erasable TypeScript and no relative imports: Node runs this file as it is (type
 * stripping) under the test runner, tsc emits it for the package, esbuild for the image.
 */
import { PGlite, types } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';

export type WorkerRequest =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[]; readonly tx?: number }
  | { readonly id: number; readonly op: 'begin'; readonly readOnly: boolean }
  | { readonly id: number; readonly op: 'commit' | 'rollback'; readonly tx: number }
  | { readonly id: number; readonly op: 'close' };

export type WorkerReply =
  | { readonly id: number; readonly rows?: unknown[]; readonly tx?: number }
  | { readonly id: number; readonly error: Record<string, unknown> };

if (parentPort) await serve(parentPort, workerData as { dataDir?: string });

async function serve(port: NonNullable<typeof parentPort>, options: { dataDir?: string }): Promise<void> {
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir: options.dataDir,
      parsers: { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) },
    });
  } catch (error) {
    port.postMessage({ id: 0, error: describe(error) } satisfies WorkerReply);
    return;
  }
  port.postMessage({ id: 0 } satisfies WorkerReply);

  let open: number | undefined; // the transaction holding the engine
  let busy = false; // a statement outside a transaction is running
  let nextTx = 1;
  const statements: Array<() => Promise<void>> = [];
  const reads: Array<() => Promise<void>> = [];
  const writes: Array<() => Promise<void>> = [];

  const reply = (message: WorkerReply): void => port.postMessage(message);
  const fail = (id: number, error: unknown): void => reply({ id, error: describe(error) });

  const pump = (): void => {
    if (open !== undefined || busy) return;
    const next = statements.shift() ?? reads.shift() ?? writes.shift();
    if (!next) return;
    busy = true;
    void next().finally(() => {
      busy = false;
      pump();
    });
  };

  port.on('message', (m: WorkerRequest) => {
    switch (m.op) {
      case 'query':
        if (m.tx === undefined) {
          statements.push(() => db.query(m.sql, m.params as unknown[]).then((r) => reply({ id: m.id, rows: r.rows }), (e: unknown) => fail(m.id, e)));
          return pump();
        }
        if (m.tx !== open) return fail(m.id, new Error(`transaction ${m.tx} is not open`));
        void db.query(m.sql, m.params as unknown[]).then((r) => reply({ id: m.id, rows: r.rows }), (e: unknown) => fail(m.id, e));
        return;
      case 'begin':
        (m.readOnly ? reads : writes).push(async () => {
          try {
            await db.exec(m.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
            open = nextTx++;
            reply({ id: m.id, tx: open });
          } catch (error) {
            fail(m.id, error);
          }
        });
        return pump();
      case 'commit':
      case 'rollback':
        if (m.tx !== open) return fail(m.id, new Error(`transaction ${m.tx} is not open`));
        void db.exec(m.op === 'commit' ? 'COMMIT' : 'ROLLBACK').then(
          () => reply({ id: m.id }),
          (e: unknown) => fail(m.id, e),
        ).finally(() => {
          open = undefined;
          pump();
        });
        return;
      case 'close':
        void db.close().then(() => reply({ id: m.id }), (e: unknown) => fail(m.id, e));
        return;
    }
  });
}

/** An error as plain data: its message and the fields drivers set (code, detail, ...). */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  return fields;
}
