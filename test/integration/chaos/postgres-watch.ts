/**
 * The services may be restarted underneath a run (another checkout's CI ends with
 * `scripts/services down`). This watch notices PostgreSQL going away, records it as a fault
 * the run did not cause, and starts it again with `scripts/services up postgres`, so that a
 * run's violations can be told apart from an outage nobody planned.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from './cluster.js';
import { postgresAnswers } from './database.js';
import type { Fault } from './history.js';

const SERVICES = resolve(import.meta.dirname, '../../../scripts/services');

export class PostgresWatch {
  private readonly abort = new AbortController();
  private done?: Promise<void>;

  constructor(
    private readonly faults: Fault[],
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await sleep(1000, signal);
      if (signal.aborted || (await postgresAnswers())) continue;
      // Twice in a row, so that one slow answer under load is not an outage.
      await sleep(500, signal);
      if (await postgresAnswers()) continue;
      const startedAt = Date.now();
      this.log('postgres-watch: PostgreSQL went away under the run; starting it again (scripts/services up postgres)');
      let note = 'PostgreSQL went away (not the nemesis); started again by the run';
      try {
        await promisify(execFile)(SERVICES, ['up', 'postgres'], { timeout: 120_000 });
      } catch (error) {
        note = `PostgreSQL went away and could not be started again: ${(error as Error).message.slice(0, 200)}`;
      }
      this.faults.push({ kind: 'postgres-outage', target: 'postgres', startedAt, healedAt: Date.now(), note });
    }
  }
}
