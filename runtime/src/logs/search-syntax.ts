/**
 * The log search language of `host.searchLogs`:
 *   `level:error` (or `level:warn,error`), `stream:stderr`, `-exclude`, `"exact phrase"`,
 *   `/regex/`, and plain words (all must appear). Case-insensitive throughout.
 */
import { invalid } from '../domain/errors.js';
import type { LogLevel, LogStream } from '../domain/types.js';

export interface ParsedSearch {
  readonly levels: LogLevel[];
  readonly streams: LogStream[];
  readonly includeAll: string[];
  readonly exclude: string[];
  readonly regex: string[];
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'fatal'];
const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'system'];
const TOKEN = /-?"[^"]*"|\/(?:\\.|[^/\\])+\/|\S+/g;
const SYNTAX_HELP = 'Use words, "exact phrase", -exclude, /regex/, level:error or stream:stderr.';

export function parseSearch(query: string): ParsedSearch {
  const parsed: ParsedSearch = { levels: [], streams: [], includeAll: [], exclude: [], regex: [] };
  for (const token of query.match(TOKEN) ?? []) {
    if (token.startsWith('/') && token.endsWith('/') && token.length > 2) {
      const source = token.slice(1, -1);
      try {
        new RegExp(source);
      } catch (error) {
        throw invalid('query', `the regular expression ${token} does not compile (${(error as Error).message})`, SYNTAX_HELP);
      }
      parsed.regex.push(source);
    } else if (/^-?"/.test(token)) {
      const negated = token.startsWith('-');
      const phrase = token.slice(negated ? 2 : 1, -1);
      if (phrase) (negated ? parsed.exclude : parsed.includeAll).push(phrase);
    } else if (/^level:/i.test(token)) {
      parsed.levels.push(...values(token, LEVELS, 'level'));
    } else if (/^stream:/i.test(token)) {
      parsed.streams.push(...values(token, STREAMS, 'stream'));
    } else if (token.startsWith('-') && token.length > 1) {
      parsed.exclude.push(token.slice(1));
    } else {
      parsed.includeAll.push(token);
    }
  }
  return parsed;
}

function values<T extends string>(token: string, allowed: readonly T[], name: string): T[] {
  const list = token.slice(token.indexOf(':') + 1).toLowerCase().split(',').filter(Boolean);
  for (const value of list) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalid('query', `${name}:${value} is not a known ${name}`, `Use ${name}: with one of ${allowed.join(', ')}.`);
    }
  }
  if (list.length === 0) throw invalid('query', `${token} names no ${name}`, `Use ${name}: with one of ${allowed.join(', ')}.`);
  return list as T[];
}
