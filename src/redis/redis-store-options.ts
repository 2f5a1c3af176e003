import type { Cluster, Redis, RedisOptions } from 'ioredis';

/**
 * The options of `new RedisStore(options)`: where Redis is (or your client), the key prefix, and timeouts.
 *
 * @example
 * new RedisStore({ url: process.env.REDIS_URL, prefix: 'billing' })
 */
export interface RedisStoreOptions {
  /**
   * Where Redis is, as an ioredis URL (`redis://user:pass@host:6379/0`, `rediss://…` for TLS).
   * Ignored when `client` is given.
   * @defaultValue 'redis://127.0.0.1:6379'
   */
  url?: string | undefined;
  /**
   * An ioredis client (or Cluster) of yours to use instead of opening one. The store registers its
   * scripts on it and never closes it; the pub/sub connection is its `duplicate()`.
   */
  client?: Redis | Cluster | undefined;
  /**
   * Prefix of every key, used as the Cluster hash tag: keys are `{<prefix>}:…`. Stores with
   * different prefixes share nothing.
   * @defaultValue 'sundial'
   */
  prefix?: string | undefined;
  /**
   * A command without a reply within this time fails with `StoreUnavailableError` (a stuck
   * connection must not hang a node forever).
   * @defaultValue 5000
   */
  commandTimeoutMs?: number | undefined;
  /**
   * How many reconnect attempts a command waits through before it fails with
   * `StoreUnavailableError`. Low on purpose: the runtime retries on its own schedule.
   * @defaultValue 1
   */
  maxRetriesPerRequest?: number | undefined;
  /** More ioredis options for the connection the store opens (ignored with `client`). */
  redisOptions?: RedisOptions | undefined;
}
