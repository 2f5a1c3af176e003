import { StoreUnavailableError, SundialError } from '../errors.ts';

/**
 * Maps what ioredis throws (connection closed, MaxRetriesPerRequestError, command timeout, a
 * ReplyError from the server) to `StoreUnavailableError`, with the original error as `cause`.
 * Sundial's own errors pass through.
 */
export function toStoreError(error: unknown, prefix: string, operation: string): Error {
  if (error instanceof SundialError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`RedisStore ${prefix}: ${operation} failed: ${detail}`, { cause: error });
}
