/**
 * Follows a container's log through the API server's log endpoint (under kwok, its log
 * simulation answers the same endpoint), one line at a time. A follow stream can close
 * while the container still runs; it is reopened from the last timestamp seen, and lines
 * already delivered are skipped. stdout and stderr arrive merged, as the log API gives them.
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Log } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { messageOf } from './api-errors.js';

export interface LogFollowOptions {
  readonly log: Log;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** Only lines after this time (an adopted Pod's earlier lines are already stored). @default - all */
  readonly since?: Date;
  /** Whether to keep following: false once the container has ended. */
  readonly follow: () => boolean;
  readonly onLine: (line: string) => void;
  /** Why the log could not be read, once per distinct reason (it is retried). */
  readonly onTrouble?: (message: string) => void;
  readonly logger: Pick<Logger, 'debug'>;
}

export interface LogFollower {
  /** Settles when the log has been read to its end, or after `stop`. */
  readonly done: Promise<void>;
  stop(): void;
}

const REOPEN_MS = 1000;

export function followLogs(options: LogFollowOptions): LogFollower {
  let stopped = false;
  let current: AbortController | undefined;
  let sink: PassThrough | undefined;
  let wake: (() => void) | undefined;
  let lastSeen = options.since ? normalize(options.since.toISOString()) : '';
  let lastTrouble = '';
  let signalStop!: () => void;
  const stopRequested = new Promise<undefined>((resolve) => (signalStop = () => resolve(undefined)));

  const readOnce = async (follow: boolean): Promise<void> => {
    const input = new PassThrough();
    sink = input;
    // The response stream errors when aborted (stop) or cut; the Log helper leaves that
    // error unheard, so it is heard here and ends the read like a close does.
    input.once('pipe', (source: NodeJS.ReadableStream) => source.on('error', () => input.end()));
    // A late response piped into this already-ended stream must not throw (write after end).
    input.on('error', () => undefined);
    const lines = createInterface({ input, crlfDelay: Infinity });
    const closed = new Promise<void>((resolve) => lines.once('close', resolve));
    lines.on('line', (raw) => {
      const space = raw.indexOf(' ');
      const stamp = space > 0 ? normalize(raw.slice(0, space)) : '';
      if (stamp && lastSeen && stamp <= lastSeen) return; // delivered before a reopen
      if (stamp) lastSeen = stamp;
      options.onLine(space > 0 && stamp ? raw.slice(space + 1) : raw);
    });
    // Seconds are the API's sinceTime precision; finer duplicates are skipped above.
    const sinceTime = lastSeen ? `${lastSeen.slice(0, 19)}Z` : undefined;
    // A server may hold the response headers until the first line (kwok does): a stop must
    // not wait for them, so the open races the stop, and a late answer is aborted at once.
    const opening = options.log.log(options.namespace, options.pod, options.container, input, { follow, timestamps: true, sinceTime });
    current = await Promise.race([opening, stopRequested]);
    if (!current || stopped) {
      void opening.then((late) => late.abort(), () => undefined);
      input.end();
    }
    await closed;
  };

  const done = (async () => {
    while (!stopped) {
      const follow = options.follow();
      try {
        await readOnce(follow);
      } catch (error) {
        const message = messageOf(error);
        options.logger.debug({ err: message, pod: options.pod }, 'log stream ended with an error');
        if (!stopped && message !== lastTrouble) options.onTrouble?.(message);
        lastTrouble = message;
      }
      if (stopped || !follow) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, REOPEN_MS).unref();
      });
    }
  })();

  return {
    done,
    stop() {
      stopped = true;
      signalStop();
      current?.abort();
      // An aborted response does not end the stream it was piped into.
      sink?.end();
      wake?.();
    },
  };
}

/** RFC 3339 with nanoseconds padded to 9 digits, so that timestamps compare as strings. */
function normalize(stamp: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!match) return '';
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`;
}
