import { StoreUnavailableError, SundialError } from '../errors.ts';

/**
 * SQLSTATE classes and codes that mean "the database cannot be used right now" rather than "this
 * statement is wrong": connection exceptions (08), operator intervention such as
 * `pg_terminate_backend` or a server shutdown (57P01–57P03), insufficient resources (53), and the
 * transaction rollbacks that a retry resolves (40001 serialization, 40P01 deadlock).
 * See https://www.postgresql.org/docs/current/errcodes-appendix.html.
 */
const unavailableClasses = ['08', '53'];
const unavailableCodes = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03']);

/** Node socket errors a lost or refused connection surfaces as. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** node-postgres reports some connection failures only by message. */
const connectionMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /connection (?:was )?closed/i,
  /the server closed the connection/i,
];

/** True when `error` says the database is unreachable or the connection was lost (a retry may succeed). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (socketCodes.has(code) || unavailableCodes.has(code)) return true;
    if (code.length === 5 && unavailableClasses.includes(code.slice(0, 2))) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return connectionMessages.some((pattern) => pattern.test(error.message));
}

/**
 * Turns a node-postgres error into a typed Sundial error: an outage or a lost connection becomes
 * `StoreUnavailableError` (the original chained as `cause`), so the runtime retries with backoff.
 * Sundial errors pass through; anything else (a bug, an unexpected constraint) is returned unchanged.
 */
export function toStoreError(error: unknown, schema: string, operation: string): unknown {
  if (error instanceof SundialError) return error;
  if (!isConnectionError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`PostgreSQL store "${schema}": ${operation} failed: ${message || 'connection error'}`, { cause: error });
}

/** The SQLSTATE of a database error, or null. */
export function sqlState(error: unknown): string | null {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length === 5 ? code : null;
}
