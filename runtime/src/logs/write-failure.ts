/**
 * What a failed log write means for the lines in it. Most failures pass (the database is
 * down, slow, failing over, or something unknown): the lines stay pending and are retried.
 * Two never will: the project or its tenant no longer exists (the lines have nowhere to go),
 * or the database refuses the data itself (a data exception or a size limit), which would
 * otherwise hold every later line of the project back for good.
 */
import { DebugHostError } from '../domain/errors.js';
import { sqlState } from '../store/sql-client.js';

export type WriteFailure = 'retry' | 'gone' | 'rejected';

export function classifyWriteFailure(error: unknown): WriteFailure {
  if (error instanceof DebugHostError) {
    if (error.code === 'not_found') return 'gone';
    if (error.code === 'invalid_input') return 'rejected';
    return 'retry';
  }
  const state = sqlState(error) ?? '';
  // Class 22: data exception; class 54: program limit exceeded (a row too large).
  if (state.startsWith('22') || state.startsWith('54')) return 'rejected';
  return 'retry';
}
