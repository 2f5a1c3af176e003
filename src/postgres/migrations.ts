import type { ClientBase } from 'pg';
import { StoreSchemaError } from '../errors.ts';
import { readMigrationFiles, type Migration } from '../store/migration-files.ts';
import { quoteIdent } from './identifiers.ts';


/** The table, inside the store's schema, that records which migrations ran. */
export const versionTable = 'sundial_migrations';

let cached: Migration[] | undefined;

/** This store's numbered migrations (`migrations/0001_init.sql`, …), in order; read once. */
export function loadMigrations(): Migration[] {
  cached ??= readMigrationFiles(new URL('./migrations/', import.meta.url), 'PostgreSQL');
  return cached;
}

export function latestSchemaVersion(): number {
  return loadMigrations().length;
}

/**
 * A stable 64-bit advisory lock key per schema, so that nodes migrating different schemas of one
 * database do not wait for each other. hashtext() is PostgreSQL's own, so every node computes the
 * same key.
 */
const lockSql = `SELECT pg_advisory_xact_lock(hashtext('sundial-migrate:' || $1::text)::bigint)`;

/** What `migrate()` did: the schema version before and after, and the migrations it applied. */
export interface MigrationReport {
  /** The schema version before. 0 for a fresh schema. */
  fromVersion: number;
  /** The schema version after. */
  toVersion: number;
  /** The migrations applied now (empty when the schema was up to date). */
  applied: string[];
}

/**
 * Brings `schema` up to date on `client` in one transaction. The transaction takes an advisory
 * lock first and reads the version under it, so of several nodes starting at once one migrates
 * and the others find the work done. A schema newer than this code → `StoreSchemaError`, and
 * the transaction is rolled back untouched.
 */
export async function migrateSchema(client: ClientBase, schema: string): Promise<MigrationReport> {
  const quoted = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query(lockSql, [schema]);
    const fromVersion = await readVersion(client, schema);
    const known = latestSchemaVersion();
    if (fromVersion > known) {
      throw new StoreSchemaError(
        `PostgreSQL schema ${quoted} is at version ${fromVersion}, written by a newer Sundial (this one knows ${known}); upgrade Sundial`,
      );
    }
    const pending = loadMigrations().filter((migration) => migration.version > fromVersion);
    if (pending.length > 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      // Migrations use unqualified names; SET LOCAL ends with the transaction.
      await client.query(`SET LOCAL search_path TO ${quoted}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${quoted}.${versionTable} (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const migration of pending) {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${quoted}.${versionTable} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      }
    }
    await client.query('COMMIT');
    return { fromVersion, toVersion: Math.max(fromVersion, known), applied: pending.map((migration) => migration.name) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      // The connection broke: the server rolls the transaction back itself; report the first error.
    });
    throw error;
  }
}

/** The highest applied version, or 0 when the schema or its version table does not exist. */
async function readVersion(client: ClientBase, schema: string): Promise<number> {
  const exists = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2) AS found`,
    [schema, versionTable],
  );
  if (!exists.rows[0]?.found) {
    const clashing = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename IN ('schedules', 'jobs', 'nodes') ORDER BY tablename`,
      [schema],
    );
    if (clashing.rows.length > 0) {
      throw new StoreSchemaError(
        `PostgreSQL schema ${quoteIdent(schema)} has tables named ${clashing.rows.map((row) => row.tablename).join(', ')} but no ${versionTable}; use another schema for Sundial`,
      );
    }
    return 0;
  }
  const result = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoteIdent(schema)}.${versionTable}`);
  return Number(result.rows[0]?.version ?? 0);
}

/** For `migrate: false`: throws `StoreSchemaError` unless the schema is exactly at this code's version. Reads only. */
export async function checkSchemaVersion(client: ClientBase, schema: string): Promise<void> {
  const version = await readVersion(client, schema);
  if (version !== latestSchemaVersion()) {
    throw new StoreSchemaError(
      `PostgreSQL schema ${quoteIdent(schema)} is at version ${version}, this Sundial needs ${latestSchemaVersion()}; run \`sundial migrate\` (or open with migrate: true)`,
    );
  }
}
