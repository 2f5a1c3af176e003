/**
 * `PostgresStore` and `migrate()`: a store on PostgreSQL through `pg` (an optional peer dependency), with
 * LISTEN/NOTIFY wake-ups and numbered migrations.
 *
 * @packageDocumentation
 * @module sundial-scheduler/postgres
 */
export { PostgresStore } from './postgres-store.ts';
export type { PostgresStoreOptions } from './postgres-store.ts';
export type { PostgresConnectionOptions } from './connection.ts';
export { migrate } from './migrate.ts';
export type { MigrationReport } from './migrations.ts';
