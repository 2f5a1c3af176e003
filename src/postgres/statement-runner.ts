import type { ClientBase, Pool, QueryResult } from 'pg';
import { InvalidArgumentError, PayloadNotSerializableError, StoreUnavailableError } from '../errors.ts';
import type { WriteOptions } from '../store/store.ts';
import { sqlState, toStoreError } from './errors.ts';
import type { Row } from './row-mapping.ts';

/**
 * How `PostgresStore` runs its statements: on the pool it holds while open, or on the caller's
 * transaction; database errors become Sundial's (an outage a `StoreUnavailableError`, a payload
 * jsonb refuses a `PayloadNotSerializableError`).
 */
export class StatementRunner {
  readonly #schema: string;
  #pool: Pool | null = null;

  constructor(schema: string) {
    this.#schema = schema;
  }

  /** The pool while the store is open, else null. */
  get pool(): Pool | null {
    return this.#pool;
  }

  attach(pool: Pool | null): void {
    this.#pool = pool;
  }

  /**
   * A statement that creates jobs, run again when it failed on fire_keys (23505): another
   * statement took one of its fires between its check and its insert (migrations/0007). It
   * rolled back whole, so running it again is safe, and that run finds the fire taken. In the
   * caller's transaction (`tx`), which the error aborted, it is the caller's to retry.
   */
  async keyed<T>(tx: ClientBase | null, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (tx !== null || attempt >= 5 || sqlState(error) !== '23505') throw error;
      }
    }
  }

  async run(operation: string, statement: string | null, text: string, values: unknown[], tx?: ClientBase | null): Promise<Row[]> {
    return (await this.#result(operation, statement, text, values, tx)).rows;
  }

  /**
   * A read-only statement, tried a second time when its connection turns out dead (a backend
   * killed while the client sat idle in the pool): a read changes nothing, so repeating it is
   * safe. Writes are never repeated here — one may have committed before its connection died.
   */
  async read(operation: string, statement: string | null, text: string, values: unknown[]): Promise<Row[]> {
    try {
      return await this.run(operation, statement, text, values);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || !this.#pool) throw error;
      return this.run(operation, statement, text, values);
    }
  }

  /**
   * Runs one statement on the caller's transaction client, or on the pool (autocommit). Fixed
   * statements are named, so each connection parses and plans them once.
   */
  async #result(operation: string, statement: string | null, text: string, values: unknown[], tx?: ClientBase | null): Promise<QueryResult<Row>> {
    const config = statement === null ? { text, values } : { name: `sundial:${this.#schema}:${statement}`, text, values };
    const target = tx ?? this.#pool;
    if (!target) throw new StoreUnavailableError(`PostgreSQL store "${this.#schema}": ${operation} called before open() (or after close())`);
    try {
      return await target.query<Row>(config);
    } catch (error) {
      if (sqlState(error) === '22P05') {
        throw new PayloadNotSerializableError(`PostgreSQL jsonb cannot store this value (${(error as Error).message}); strings must not contain \\u0000`, { cause: error });
      }
      throw toStoreError(error, this.#schema, operation);
    }
  }
}

/** The `pg` client of `options.tx`, validated; null without one. */
export function txClient(options: WriteOptions | undefined): ClientBase | null {
  const tx = options?.tx;
  if (tx === undefined || tx === null) return null;
  if (typeof (tx as { query?: unknown }).query !== 'function') {
    throw new InvalidArgumentError('Expected `options.tx` to be a pg client (PoolClient or Client) on which you ran BEGIN');
  }
  return tx as ClientBase;
}
