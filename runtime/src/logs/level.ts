import type { LogLevel, LogStream } from '../domain/types.js';

const PINO_LEVELS: ReadonlyArray<[number, LogLevel]> = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [0, 'debug'],
];

const KEYWORDS: ReadonlyArray<[RegExp, LogLevel]> = [
  [/\b(fatal|panic|critical)\b/i, 'fatal'],
  [/\b(error|err!|exception|traceback|failed)\b/i, 'error'],
  [/\b(warn|warning|deprecated)\b/i, 'warn'],
  [/\b(debug|trace|verbose)\b/i, 'debug'],
  [/\binfo\b/i, 'info'],
];

/**
 * A line's level: from a JSON log's `level` (pino numbers or names), else from keywords,
 * else by stream (stderr is `error`, as most dev servers write failures there).
 */
export function classifyLevel(stream: LogStream, message: string): LogLevel {
  if (message.startsWith('{')) {
    const level = jsonLevel(message);
    if (level) return level;
  }
  for (const [pattern, level] of KEYWORDS) if (pattern.test(message)) return level;
  return stream === 'stderr' ? 'error' : 'info';
}

function jsonLevel(message: string): LogLevel | undefined {
  try {
    const parsed = JSON.parse(message) as { level?: unknown };
    if (typeof parsed.level === 'number') return PINO_LEVELS.find(([min]) => (parsed.level as number) >= min)?.[1];
    if (typeof parsed.level === 'string') {
      const name = parsed.level.toLowerCase();
      if (name === 'warning') return 'warn';
      if (['debug', 'info', 'warn', 'error', 'fatal'].includes(name)) return name as LogLevel;
    }
  } catch {
    // not JSON after all
  }
  return undefined;
}
