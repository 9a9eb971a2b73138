import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisGuard } from '../../../runtime/src/cache/redis-guard.js';

describe('RedisGuard', () => {
  /** A real pino logger writing `level msg` lines into an array. */
  const logs = (): { lines: string[]; logger: Logger } => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(lineOf(s)) });
    return { lines, logger };
  };
  const lineOf = (json: string): string => {
    const { level, msg } = JSON.parse(json) as { level: number; msg: string };
    return `${pino.levels.labels[level]} ${msg}`;
  };

  it('passes answers through while Redis answers', async () => {
    const guard = new RedisGuard({ name: 'cache' });
    expect(await guard.run(async () => 'v')).toEqual({ ok: true, value: 'v' });
    expect(guard.isDown).toBe(false);
  });

  it('after a failure answers unavailable at once, probes once per interval, and logs each transition once', async () => {
    let t = 0;
    const { lines, logger } = logs();
    const guard = new RedisGuard({ name: 'cache', logger, probeIntervalMs: 1000, now: () => t });
    let calls = 0;
    let up = false;
    const op = async (): Promise<string> => {
      calls++;
      if (!up) throw new Error('ECONNREFUSED');
      return 'ok';
    };
    expect((await guard.run(op)).ok).toBe(false);
    expect(guard.isDown).toBe(true);
    for (let i = 0; i < 5; i++) expect((await guard.run(op)).ok).toBe(false);
    expect(calls).toBe(1);
    t = 1000;
    expect((await guard.run(op)).ok).toBe(false); // the probe, still down
    expect(calls).toBe(2);
    up = true;
    t = 1500;
    expect((await guard.run(op)).ok).toBe(false); // between probes: not tried
    t = 2000;
    expect(await guard.run(op)).toEqual({ ok: true, value: 'ok' });
    expect(guard.isDown).toBe(false);
    expect(lines).toEqual([
      'warn Redis is unreachable; cache falls back until it answers again',
      'info Redis is reachable again; cache uses it again',
    ]);
  });

  it('treats a call past its deadline as a failure', async () => {
    const guard = new RedisGuard({ name: 'rate limiter', timeoutMs: 20 });
    const r = await guard.run(() => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 200)));
    expect(r.ok).toBe(false);
    expect(guard.isDown).toBe(true);
  });
});
