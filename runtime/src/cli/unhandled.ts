/**
 * The rule for a promise rejection that nothing handles, in a process that runs a runtime:
 * it is a background task that failed (a watch, a heartbeat, a log flush; each loop of the
 * runtime retries on its next tick, and what it changes is in the store), so the replica
 * logs it at error level with its stack and keeps serving, instead of Node's default of
 * dying with every run it supervises. A thrown exception nothing catches is not covered:
 * it may have left memory half-changed, so Node's default (print, exit 1) stays, and the
 * cluster takes the replica's runs over.
 */
import type { Logger } from 'pino';

export function logUnhandledRejections(logger: Pick<Logger, 'error'>): void {
  process.on('unhandledRejection', (reason: unknown) => {
    const err = reason instanceof Error ? reason : new Error(`non-Error rejection: ${String(reason)}`);
    logger.error({ err }, 'unhandled promise rejection; serving on (a background task failed and retries on its next tick)');
  });
}
