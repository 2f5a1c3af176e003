import { realpathSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { InvalidArgumentError, StoreUnavailableError } from '../errors.ts';
import type { WriteOptions } from '../store/store.ts';
import { EnqueueStatements } from './enqueue-jobs.ts';
import { toStoreError } from './sqlite-errors.ts';
import { prepareStatements } from './statements.ts';
import type { Statements } from './statements.ts';

// Transactional writes (`options.tx`): the caller's own node:sqlite connection to the store's
// file, inside a transaction it opened (BEGIN IMMEDIATE). The store runs its statements on that
// connection and neither begins nor commits: the caller's COMMIT makes the jobs visible to every
// connection (the store's data_version watcher wakes the nodes), its ROLLBACK leaves no trace.

/** The store's statements prepared on one caller connection, and the savepoint around each write. */
interface CallerStatements {
  readonly statements: Statements;
  readonly bulk: EnqueueStatements;
  readonly savepoint: StatementSync;
  readonly release: StatementSync;
  readonly rollbackTo: StatementSync;
}

/** Prepared once per caller connection, and gone with it. */
const prepared = new WeakMap<DatabaseSync, CallerStatements>();

/**
 * The caller's connection named by `options.tx`, checked, or null when there is none. Refused
 * with `InvalidArgumentError` (before anything is written): not a `DatabaseSync`, closed, no
 * transaction open, or a connection to another database than `storeDb`'s file.
 */
export function callerConnection(options: WriteOptions | undefined, storeDb: DatabaseSync, storePath: string): DatabaseSync | null {
  const tx = options?.tx;
  if (tx === undefined || tx === null) return null;
  if (!(tx instanceof DatabaseSync)) {
    throw new InvalidArgumentError(
      `Expected \`options.tx\` to be a node:sqlite DatabaseSync (your own connection to ${storePath}, inside BEGIN IMMEDIATE), got ${describe(tx)}`,
    );
  }
  if (!tx.isOpen) throw new InvalidArgumentError('Expected `options.tx` to be an open DatabaseSync, got a closed one');
  if (!tx.isTransaction) {
    throw new InvalidArgumentError(
      "Expected `options.tx` to have a transaction open (run db.exec('BEGIN IMMEDIATE') first), got a connection outside any transaction",
    );
  }
  const storeFile = storeDb.location();
  if (storeFile === null) {
    throw new InvalidArgumentError(`\`options.tx\` needs a SqliteStore on a file: the store's database (${storePath}) is in memory, no other connection can share it`);
  }
  const txFile = tx.location();
  if (txFile === null || !sameFile(txFile, storeFile)) {
    throw new InvalidArgumentError(
      `Expected \`options.tx\` to be a connection to the store's file ${storeFile}, got one to ${txFile ?? 'an in-memory database'}`,
    );
  }
  return tx;
}

/**
 * Runs `body` on the caller's connection, inside its transaction, without committing. A savepoint
 * makes the call all-or-nothing: when `body` throws (a parent that names no job, …), what it wrote
 * is undone and the caller's transaction is as it was before the call.
 */
export function writeInCallerTransaction<T>(
  tx: DatabaseSync,
  storePath: string,
  operation: string,
  body: (s: Statements, bulk: EnqueueStatements) => T,
): T {
  let c: CallerStatements;
  try {
    c = statementsOn(tx);
    c.savepoint.run();
  } catch (error) {
    throw toStoreError(error, storePath, operation);
  }
  try {
    const result = body(c.statements, c.bulk);
    c.release.run();
    return result;
  } catch (error) {
    try {
      c.rollbackTo.run();
      c.release.run();
    } catch (rollbackError) {
      throw new StoreUnavailableError(`SqliteStore ${storePath}: ${operation} in the caller's transaction failed and could not be undone`, {
        cause: new AggregateError([error, rollbackError]),
      });
    }
    throw toStoreError(error, storePath, operation);
  }
}

function statementsOn(db: DatabaseSync): CallerStatements {
  let c = prepared.get(db);
  if (!c) {
    c = {
      statements: prepareStatements(db),
      bulk: new EnqueueStatements(db),
      savepoint: db.prepare('SAVEPOINT sundial_write'),
      release: db.prepare('RELEASE sundial_write'),
      rollbackTo: db.prepare('ROLLBACK TO sundial_write'),
    };
    prepared.set(db, c);
  }
  return c;
}

/** The same path, or two paths to one file (a symlink, a relative directory SQLite did not resolve). */
function sameFile(a: string, b: string): boolean {
  return a === b || canonical(a) === canonical(b);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    // A path that cannot be resolved (removed meanwhile) is compared as given.
    if (error instanceof Error) return path;
    throw error;
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}
