/**
 * `SqliteStore`: an embedded store on `node:sqlite`, safe for several processes sharing one database file.
 *
 * @packageDocumentation
 * @module sundial-scheduler/sqlite
 */
export { SqliteStore } from './sqlite-store.ts';
export type { SqliteStoreOptions } from './sqlite-store.ts';
