import { afterAll, afterEach, beforeEach, describe, test } from 'vitest';
import { PostgresStore } from '../../src/postgres/index.ts';
import type { Store } from '../../src/store/store.ts';
import { defineStoreConformanceSuite } from '../../src/testing/conformance/index.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

// Each test gets a fresh random schema (migrated on open) and drops it after; the peer is a
// second PostgresStore with its own pool on the same schema, as another process would have.
const available = await requirePostgres('test/conformance/postgres.test.ts');
const admin = adminPool();
const primaries = new Set<Store>();

afterAll(async () => {
  await admin.end();
});

function open(schema: string): PostgresStore {
  return new PostgresStore({ poolConfig: pgEnv, schema, poolSize: 4 });
}

if (available) {
  defineStoreConformanceSuite(
    'postgres',
    {
      async createStore() {
        const store = open(randomSchema('sundial_conf'));
        await store.open();
        primaries.add(store);
        return store;
      },
      async openPeer(store) {
        const peer = open((store as PostgresStore).schema);
        await peer.open();
        return peer;
      },
      async destroyStore(store) {
        await store.close();
        if (primaries.delete(store)) await dropSchema(admin, (store as PostgresStore).schema);
      },
    },
    { describe, test, beforeEach, afterEach, skip: test.skip },
  );
} else {
  test.skip('postgres conformance [skipped: PostgreSQL not reachable]', () => {});
}
