/**
 * What a database failure may tell a client or a log line. Drizzle's `DrizzleQueryError` carries the query
 * and its parameters (token hashes, passwords' hashes, personal data) in its message, and PostgreSQL's own
 * messages often quote the offending value: neither may reach a response or a log. Only the SQLSTATE, the
 * error's class name and the names of the constraint, table and column are kept.
 */

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Causes are followed this far; a cycle of causes must not hang the error path. */
const MAX_CAUSE_DEPTH = 8;

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const NOT_NULL_VIOLATION = '23502';
export const CHECK_VIOLATION = '23514';
export const EXCLUSION_VIOLATION = '23P01';

interface DatabaseFailure {
  code: string;
  constraint?: string;
  table?: string;
  column?: string;
}

/** The error itself, then its causes: drivers' errors are wrapped by the ORM. */
function* causeChain(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== null && current !== undefined; depth++) {
    yield current;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
}

function databaseFailureOf(error: unknown): DatabaseFailure | undefined {
  for (const link of causeChain(error)) {
    if (typeof link !== 'object' || link === null) continue;
    const { code, constraint, table, column } = link as Record<string, unknown>;
    if (typeof code === 'string' && SQLSTATE.test(code)) {
      return {
        code,
        constraint: typeof constraint === 'string' ? constraint : undefined,
        table: typeof table === 'string' ? table : undefined,
        column: typeof column === 'string' ? column : undefined,
      };
    }
  }
  return undefined;
}

/** The PostgreSQL SQLSTATE of `error` or of one of its causes, e.g. `23505`; `undefined` when none. */
export function sqlStateOf(error: unknown): string | undefined {
  return databaseFailureOf(error)?.code;
}

/**
 * A value the database refuses as such: class 22 (out of range, invalid text, NUL bytes, impossible dates),
 * a missing required value or a failed check. The client sent it; retrying cannot help.
 */
export function isDataException(sqlState: string | undefined): boolean {
  return (
    sqlState !== undefined &&
    (sqlState.startsWith('22') || sqlState === NOT_NULL_VIOLATION || sqlState === CHECK_VIOLATION)
  );
}

/** The request collides with stored state: a duplicate, a missing or still-referenced record. */
export function isConflict(sqlState: string | undefined): boolean {
  return (
    sqlState === UNIQUE_VIOLATION || sqlState === FOREIGN_KEY_VIOLATION || sqlState === EXCLUSION_VIOLATION
  );
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

/**
 * One line for a log: for a database failure its class, SQLSTATE and the names of the constraint, table and
 * column, never the query, its parameters nor the server's message; for anything else its class and the
 * first line of its message, cut before any `params:` a wrapper may have appended.
 */
export function describeFailure(error: unknown): string {
  const name = error instanceof Error ? error.name || 'Error' : typeof error;
  const failure = databaseFailureOf(error);
  if (failure) {
    const where = [
      failure.constraint && `constraint ${failure.constraint}`,
      failure.table && `table ${failure.table}`,
      failure.column && `column ${failure.column}`,
    ].filter(Boolean);
    return `${name}: database error SQLSTATE ${failure.code}${where.length ? ` (${where.join(', ')})` : ''}`;
  }
  if (error instanceof Error) {
    if (/^Failed query:/.test(error.message)) return `${name}: database query failed`;
    return `${name}: ${firstLine(error.message).replace(/\s*params:.*$/i, '')}`;
  }
  return name;
}

/** The stack's frames without its first line, which repeats the message (and so the query and its parameters). */
export function stackFramesOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length ? frames.join('\n') : undefined;
}
