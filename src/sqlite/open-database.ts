import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreSchemaError } from '../errors.ts';
import { inspectSchema, migrate } from './migrations.ts';
import { isBusyError, toStoreError } from './sqlite-errors.ts';

const sqliteHeader = Buffer.from('SQLite format 3\0', 'latin1');

export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens a connection and brings the schema up to date. Every check that may refuse the file runs
 * before the first write (WAL mode rewrites the header), so a refused file is left untouched.
 */
export function openDatabase(path: string, busyTimeoutMs: number): DatabaseSync {
  const memory = isMemoryPath(path);
  if (!memory) {
    refuseNonSqliteFile(path);
    mkdirSync(dirname(path), { recursive: true });
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  } catch (error) {
    throw toStoreError(error, path, 'open');
  }
  try {
    inspectSchema(db, path);
    if (!memory) switchToWal(db, busyTimeoutMs);
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error, path, 'open');
  }
}

/**
 * Sets WAL mode. SQLite does not call the busy handler for this switch, so when several processes
 * open a fresh file at once all but one get SQLITE_BUSY immediately: retry with a short blocking
 * back-off (as SQLite's own busy handler would block), within the same busy timeout budget.
 */
function switchToWal(db: DatabaseSync, busyTimeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waitedMs = 0, delayMs = 1; ; waitedMs += delayMs, delayMs = Math.min(delayMs * 2, 50)) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusyError(error) || waitedMs >= busyTimeoutMs) throw error;
    }
    Atomics.wait(pause, 0, 0, delayMs);
  }
}

/** A non-empty file without the SQLite header is someone else's: refuse it before SQLite opens it. */
function refuseNonSqliteFile(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const header = Buffer.alloc(sqliteHeader.length);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < header.length || !header.equals(sqliteHeader)) {
    const found = JSON.stringify(header.subarray(0, read).toString('latin1'));
    throw new StoreSchemaError(`${path} is not a SQLite database; refusing to touch it`, {
      cause: new Error(`Expected the file to start with "SQLite format 3\\0", got ${found}`),
    });
  }
}
