export { RedisStore } from './redis-store.ts';
export type { RedisStoreOptions } from './redis-store.ts';
