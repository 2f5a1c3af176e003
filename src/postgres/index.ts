export { PostgresStore } from './postgres-store.ts';
export type { PostgresStoreOptions } from './postgres-store.ts';
export type { PostgresConnectionOptions } from './connection.ts';
export { migrate } from './migrate.ts';
export type { MigrationReport } from './migrations.ts';
