import { afterEach, beforeEach, describe, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import type { Store } from '../../src/store/store.ts';
import { Redis } from 'ioredis';
import { defineStoreConformanceSuite, type DamageTarget } from '../../src/testing/conformance/index.ts';
import { damageRedisRecord } from '../fixtures/redis-damage.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

// Each test gets its own random key prefix, deleted afterwards; the peer is a second RedisStore
// (its own connection, as another process would have) on that same prefix.
const available = await requireRedis();

/** HSETs garbage into a record's hash through a connection of its own, as a hand edit would. */
async function damageHash(prefix: string, target: DamageTarget): Promise<boolean> {
  const redis = new Redis(redisUrl);
  try {
    return await damageRedisRecord(redis, prefix, target);
  } finally {
    redis.disconnect();
  }
}

if (available) {
  defineStoreConformanceSuite(
    'redis',
    {
      async createStore() {
        const store = new RedisStore({ url: redisUrl, prefix: randomPrefix('conf') });
        await store.open();
        return store;
      },
      async openPeer(store) {
        const peer = new RedisStore({ url: redisUrl, prefix: (store as RedisStore).prefix });
        await peer.open();
        return peer;
      },
      damage: (store, target) => damageHash((store as RedisStore).prefix, target),
      async destroyStore(store: Store) {
        await store.close();
        await deletePrefix((store as RedisStore).prefix);
      },
    },
    { describe, test, beforeEach, afterEach, skip: test.skip },
  );
} else {
  test.skip('store conformance: redis [skipped: Redis does not answer; see the printed reason]', () => {});
}
