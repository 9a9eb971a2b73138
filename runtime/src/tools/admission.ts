/**
 * How many changing calls (start, stop, restart, register...) a replica works on at once,
 * and how many wait. Past both bounds a call is answered `overloaded` at once, with the time
 * after which a retry is likely to be taken, instead of being queued without end (which used
 * to end in client timeouts and reset connections). Reads never pass through here: they do
 * not wait behind a burst of starts.
 */
import { DebugHostError } from '../domain/errors.js';

export interface AdmissionSettings {
  /** Changing calls worked on at once. @default 8 */
  readonly inFlight: number;
  /** Changing calls that may wait for a turn. @default 512 */
  readonly queued: number;
  /** Longest wait for a turn before the call is answered `overloaded`. @default 10000 */
  readonly maxWaitMs: number;
}

export const ADMISSION_DEFAULTS: AdmissionSettings = Object.freeze({ inFlight: 8, queued: 512, maxWaitMs: 10_000 });

/** The retry hint stays between these, whatever the estimate. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 10_000;

interface Waiter {
  readonly go: () => void;
  readonly timer: NodeJS.Timeout;
}

export class Admission {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** A moving average of how long a changing call takes here, for the retry hint. */
  private serviceMs = 50;

  constructor(private readonly settings: AdmissionSettings = ADMISSION_DEFAULTS) {}

  /** Calls working and waiting right now (a gauge for /metrics). */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(tool: string, fn: () => Promise<T>): Promise<T> {
    await this.turn(tool);
    const began = performance.now();
    try {
      return await fn();
    } finally {
      this.serviceMs = 0.9 * this.serviceMs + 0.1 * (performance.now() - began);
      this.running -= 1;
      this.waiting.shift()?.go();
    }
  }

  private turn(tool: string): Promise<void> {
    if (this.running < this.settings.inFlight) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.settings.queued) return Promise.reject(this.overloaded(tool, 'is at its limit of waiting calls'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        go: () => {
          clearTimeout(waiter.timer);
          this.running += 1;
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.overloaded(tool, `could not take it within ${this.settings.maxWaitMs} ms`));
        }, this.settings.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private overloaded(tool: string, why: string): DebugHostError {
    // The time the calls already waiting need at the recent pace: a retry then likely gets a turn.
    const estimate = ((this.waiting.length + 1) / this.settings.inFlight) * this.serviceMs;
    const retryAfterMs = Math.round(Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, estimate)));
    return new DebugHostError('overloaded', `This debug host replica ${why}; ${tool} did not run.`, {
      fix: `Retry after ${retryAfterMs} ms (retryAfterMs); nothing was changed.`,
      facts: { retryAfterMs, running: this.running, waiting: this.waiting.length },
    });
  }
}
