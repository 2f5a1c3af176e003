import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { RedisStoreOptions } from './redis-store-options.ts';

// The ioredis connections a RedisStore opens for itself (none but pub/sub's when the caller hands
// it a `client`), and their closing.

export function createClient(url: string, prefix: string, options: RedisStoreOptions): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectionName: `sundial:${prefix}`,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    // Quick first retries (a CLIENT KILL or failover), then at most every 2 s while Redis is down.
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    ...options.redisOptions,
  });
}

/** Closes a connection the store opened, detaching the store's `onError` listener. */
export async function quitClient(client: Redis | Cluster, onError: (error: Error) => void): Promise<void> {
  try {
    await client.quit();
  } catch {
    // Already disconnected: nothing left to release.
    client.disconnect();
  } finally {
    // A call still in flight at close fails through its promise; the error the closed client
    // emits for it must not become an unhandled 'error' event.
    client.off('error', onError);
    client.on('error', ignoreClosedClientError);
  }
}

/** Errors of a client this store opened and closed: whatever they are about, nobody waits for it. */
function ignoreClosedClientError(): void {}

/** A second connection like `client` (Redis and Cluster both have `duplicate`, with different signatures). */
export function duplicate(client: Redis | Cluster): Redis | Cluster {
  return client instanceof Redis ? client.duplicate() : client.duplicate();
}
