import pg from 'pg';
import type { ClientConfig, Pool, PoolClient, PoolConfig } from 'pg';
import { InvalidArgumentError } from '../errors.ts';
import { assertSchemaName } from './identifiers.ts';
import type { ListenConnection } from './listener.ts';

/** How to reach PostgreSQL; shared by `PostgresStore` and `migrate`. */
export interface PostgresConnectionOptions {
  /**
   * A connection URL (`postgres://user:pass@host:5432/db`). Without it and without `pool`, the
   * standard `PG*` environment variables apply (PGHOST, PGDATABASE, …), as for `psql`.
   * @example 'postgres://sundial@db.internal:5432/app'
   */
  connectionString?: string | undefined;
  /**
   * Your own `pg.Pool`. The store runs its statements on it and never ends it (`close()` leaves
   * it open). LISTEN then holds one of its clients for as long as someone subscribes.
   */
  pool?: Pool | undefined;
  /** Further `pg.Pool` settings (ssl, timeouts, …) for the pool the store makes itself; ignored with `pool`. */
  poolConfig?: PoolConfig | undefined;
  /**
   * The schema holding Sundial's tables, created on first open. One schema is one scheduler:
   * use separate schemas for separate applications or tests.
   * @defaultValue 'sundial'
   */
  schema?: string | undefined;
  /**
   * Most connections of the pool the store makes itself (one more is used for LISTEN).
   * @defaultValue 10
   */
  poolSize?: number | undefined;
}

export const defaultSchema = 'sundial';
const defaultPoolSize = 10;
/** Without a connect timeout, a network partition would hang every store call instead of failing it. */
const defaultConnectTimeoutMs = 10_000;

export interface ResolvedConnection {
  schema: string;
  userPool: Pool | null;
  /** Settings for a pool or a LISTEN client of our own. */
  clientConfig: ClientConfig;
  poolConfig: PoolConfig;
}

export function resolveConnection(options: PostgresConnectionOptions): ResolvedConnection {
  const schema = assertSchemaName(options.schema ?? defaultSchema);
  const poolSize = options.poolSize ?? defaultPoolSize;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new InvalidArgumentError(`Expected \`poolSize\` to be a positive integer, got ${String(options.poolSize)}`);
  }
  if (options.pool !== undefined && typeof options.pool.query !== 'function') {
    throw new InvalidArgumentError('Expected `pool` to be a pg.Pool');
  }
  const clientConfig: ClientConfig = {
    connectionTimeoutMillis: defaultConnectTimeoutMs,
    keepAlive: true,
    ...options.poolConfig,
    ...(options.connectionString !== undefined ? { connectionString: options.connectionString } : {}),
  };
  return { schema, userPool: options.pool ?? null, clientConfig, poolConfig: { ...clientConfig, max: poolSize } };
}

export function createPool(config: PoolConfig): Pool {
  return new pg.Pool(config);
}

/** A dedicated LISTEN connection: a fresh client of our own, or one held from the user's pool. */
export async function openListenConnection(userPool: Pool | null, clientConfig: ClientConfig): Promise<ListenConnection> {
  if (userPool) {
    const client = await userPool.connect();
    return { client, release: (error) => client.release(error ?? false) };
  }
  const client = new pg.Client(clientConfig);
  // Until the listener attaches its own handler, an error event must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return {
    client,
    release: () => {
      client.end().catch(() => {
        // Ending a broken connection may fail; it is gone either way.
      });
    },
  };
}

/**
 * Runs `body` on a client checked out of `pool`, and gives it back (destroyed when `body` failed).
 * A checked-out pg client whose connection dies emits 'error' with nobody listening — the pool only
 * listens while a client is idle — and an unhandled 'error' event kills the process. The failure
 * reaches `body` as its query's rejection anyway, so the event itself is only kept from crashing.
 */
export async function withClient<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const onError = (): void => {
    // Reported by the query under way (a rejection), which is how `body` fails.
  };
  client.on('error', onError);
  try {
    const result = await body(client);
    client.off('error', onError);
    client.release();
    return result;
  } catch (error) {
    client.off('error', onError);
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
