/**
 * Runs `work` for every item with at most `limit` in flight. Recovery and takeover start
 * hundreds of runs at once: one at a time leaves the CPU idle while each waits on the store
 * and the spawn, all at once floods the pool and the process table.
 * After a failure no new item starts; it rejects with the first failure once the items in
 * flight have settled, so that nothing is still running when the caller moves on.
 */
export async function forEachBounded<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < queue.length) {
      const item = queue[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, lane));
  if (failure) throw failure.error;
}
