import { StoreSchemaError, StoreUnavailableError, SundialError } from '../errors.ts';

// Primary result codes (the low byte of an extended code) that mean "the file is locked or
// unreachable right now" versus "the file is damaged". See https://sqlite.org/rescode.html.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

const unavailableCodes = new Set([SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN]);
const damagedCodes = new Set([SQLITE_CORRUPT, SQLITE_NOTADB]);

/** SQLITE_BUSY: another connection holds the lock. */
export function isBusyError(error: unknown): boolean {
  return sqliteResultCode(error) === SQLITE_BUSY;
}

/** The primary SQLite result code of a node:sqlite error, or null for any other error. */
export function sqliteResultCode(error: unknown): number | null {
  if (error instanceof Error && 'errcode' in error && typeof error.errcode === 'number') return error.errcode & 0xff;
  return null;
}

/**
 * Turns a node:sqlite error into a typed Sundial error: a lock still held after the busy
 * timeout, or I/O trouble, becomes `StoreUnavailableError`; a damaged file `StoreSchemaError`.
 * Anything else (a bug, a constraint we did not expect) is returned unchanged.
 */
export function toStoreError(error: unknown, path: string, operation: string): unknown {
  if (error instanceof SundialError) return error;
  const code = sqliteResultCode(error);
  if (code === null) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (unavailableCodes.has(code)) {
    const hint = code === SQLITE_BUSY ? ' (still locked by another connection after the busy timeout)' : '';
    return new StoreUnavailableError(`SQLite store ${path}: ${operation} failed${hint}: ${message}`, { cause: error });
  }
  if (damagedCodes.has(code)) {
    return new StoreSchemaError(`SQLite store ${path} is damaged or not a SQLite database: ${message}`, { cause: error });
  }
  return error;
}
