import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreConfigError, StoreSchemaError } from '../errors.ts';
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
    try {
      refuseNonSqliteFile(path);
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw toConfigError(error, path);
    }
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  } catch (error) {
    throw toConfigError(toStoreError(error, path, 'open'), path);
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

/**
 * A file-system error while preparing the path (`ENOTDIR`, `EEXIST`, `ENOENT`, `EACCES`, `EPERM`,
 * `EISDIR`, `EROFS`) as a `StoreConfigError` naming the path and the fix; anything else unchanged.
 */
function toConfigError(error: unknown, path: string): unknown {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : null;
  const fix = code === null ? undefined : configFixes[code];
  if (fix === undefined) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreConfigError(`SQLite store ${JSON.stringify(path)} cannot be opened: ${fix(path)} (${detail})`, { cause: error });
}

const parentProblem = (path: string): string =>
  `a part of the folder ${JSON.stringify(dirname(path))} exists but is not a folder, or cannot be created; point the store at a file in a folder that exists or can be created`;
const permissionProblem = (path: string): string =>
  `this process may not create or write ${JSON.stringify(path)} or its folder; give it write access there or choose a writable path`;

const configFixes: Readonly<Record<string, (path: string) => string>> = {
  ENOTDIR: parentProblem,
  EEXIST: parentProblem,
  ENOENT: parentProblem,
  EACCES: permissionProblem,
  EPERM: permissionProblem,
  EROFS: (path) => `${JSON.stringify(dirname(path))} is on a read-only file system; choose a writable path`,
  EISDIR: () => 'the path is a folder; name a database file inside it (for example "sundial.db")',
};
