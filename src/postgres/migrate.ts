import { createPool, resolveConnection, withClient, type PostgresConnectionOptions } from './connection.ts';
import { toStoreError } from './errors.ts';
import { migrateSchema, type MigrationReport } from './migrations.ts';

/**
 * Brings the schema up to date and returns what it did: for a `sundial migrate` deploy step,
 * with stores then opened with `migrate: false`. Safe to run from several places at once.
 *
 * @example
 * const report = await migrate({ connectionString: process.env.DATABASE_URL, schema: 'sundial' });
 * console.log(`schema ${report.fromVersion} → ${report.toVersion}`, report.applied);
 */
export async function migrate(options: PostgresConnectionOptions = {}): Promise<MigrationReport> {
  const connection = resolveConnection(options);
  const pool = connection.userPool ?? createPool({ ...connection.poolConfig, max: 1 });
  const onError = (): void => {
    // An idle connection died; the pool replaces it. The migration's own query reports failures.
  };
  pool.on('error', onError);
  try {
    return await withClient(pool, (client) => migrateSchema(client, connection.schema));
  } catch (error) {
    throw toStoreError(error, connection.schema, 'migrate');
  } finally {
    pool.off('error', onError);
    if (!connection.userPool) await pool.end();
  }
}
