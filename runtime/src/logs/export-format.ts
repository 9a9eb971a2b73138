import type { LogLine } from '../domain/types.js';

export type ExportFormat = 'json' | 'csv' | 'text';

const CSV_COLUMNS = ['ts', 'projectId', 'runId', 'seq', 'stream', 'level', 'message'] as const;

/** Renders log lines for `host.exportLogs`. CSV follows RFC 4180 quoting. */
export function formatLogs(lines: readonly LogLine[], format: ExportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(lines.map(toJson), null, 2);
    case 'csv':
      return [CSV_COLUMNS.join(','), ...lines.map((line) => CSV_COLUMNS.map((column) => csvCell(toJson(line)[column])).join(','))].join('\r\n');
    case 'text':
      return lines.map(formatTextLine).join('\n');
  }
}

export function formatTextLine(line: LogLine): string {
  return `${line.ts.toISOString()} [${line.level}] ${line.stream}: ${line.message}`;
}

function toJson(line: LogLine): Record<(typeof CSV_COLUMNS)[number], string | number> {
  return {
    ts: line.ts.toISOString(),
    projectId: line.projectId,
    runId: line.runId,
    seq: line.seq,
    stream: line.stream,
    level: line.level,
    message: line.message,
  };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
