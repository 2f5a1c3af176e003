/**
 * `RedisStore`: a store on Redis or Redis Cluster through `ioredis` (an optional peer dependency), one Lua
 * script per atomic operation, with pub/sub wake-ups.
 *
 * @packageDocumentation
 * @module sundial-scheduler/redis
 */
export { RedisStore } from './redis-store.ts';
export type { RedisStoreOptions } from './redis-store.ts';
