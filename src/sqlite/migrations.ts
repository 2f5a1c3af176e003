import type { DatabaseSync } from 'node:sqlite';
import { StoreSchemaError } from '../errors.ts';
import { readMigrationFiles, type Migration } from '../store/migration-files.ts';

/** The `format` row of `sundial_meta` that marks a file as a Sundial store. */
export const storeFormatMarker = 'sundial-store';


let cached: Migration[] | undefined;

/** This store's numbered migrations (`migrations/0001_init.sql`, …), in order; read once. */
export function loadMigrations(): Migration[] {
  cached ??= readMigrationFiles(new URL('./migrations/', import.meta.url), 'SQLite');
  return cached;
}

export function latestSchemaVersion(): number {
  return loadMigrations().length;
}

/** What the file holds, read without writing anything. */
export type SchemaState = { kind: 'empty' } | { kind: 'sundial'; version: number };

/**
 * Reads the schema state, or throws `StoreSchemaError` when the file is not one this code may
 * touch: another application's `sundial_meta`, tables named like ours without the marker, or a
 * schema newer than this code knows. Only reads, so a refused file stays byte-for-byte intact.
 */
export function inspectSchema(db: DatabaseSync, path: string): SchemaState {
  const tables = new Set(
    db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
      .all()
      .map((row) => String(row.name)),
  );
  if (!tables.has('sundial_meta')) {
    const clashing = ['schedules', 'jobs', 'nodes'].filter((name) => tables.has(name));
    if (clashing.length > 0) {
      throw new StoreSchemaError(
        `SQLite file ${path} has tables named ${clashing.join(', ')} but no Sundial marker; use another file for Sundial`,
      );
    }
    return { kind: 'empty' };
  }
  const meta = new Map(
    db
      .prepare(`SELECT key, value FROM sundial_meta`)
      .all()
      .map((row) => [String(row.key), String(row.value)]),
  );
  if (meta.get('format') !== storeFormatMarker) {
    throw new StoreSchemaError(`SQLite file ${path} has a sundial_meta table without the Sundial store marker; it is not a Sundial store`);
  }
  const version = Number(meta.get('schema_version') ?? 0);
  if (!Number.isInteger(version) || version < 0) {
    throw new StoreSchemaError(`SQLite file ${path} has an unreadable schema version ${JSON.stringify(meta.get('schema_version'))}`);
  }
  const known = latestSchemaVersion();
  if (version > known) {
    throw new StoreSchemaError(
      `SQLite file ${path} was written by a newer Sundial (schema ${version}, this one knows ${known}); upgrade Sundial`,
    );
  }
  return { kind: 'sundial', version };
}

/**
 * Applies the missing migrations in one BEGIN IMMEDIATE transaction. The state is read again
 * under the write lock, so of two processes opening a fresh file at once, the second finds the
 * work done.
 */
export function migrate(db: DatabaseSync, path: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const state = inspectSchema(db, path);
    const current = state.kind === 'empty' ? 0 : state.version;
    const pending = loadMigrations().filter((migration) => migration.version > current);
    for (const migration of pending) db.exec(migration.sql);
    if (pending.length > 0) {
      db.prepare(
        `INSERT INTO sundial_meta (key, value) VALUES ('schema_version', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(String(latestSchemaVersion()));
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
