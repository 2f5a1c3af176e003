import { afterAll, afterEach, beforeEach, describe, test } from 'vitest';
import { PostgresStore } from '../../src/postgres/index.ts';
import type { Store } from '../../src/store/store.ts';
import { defineStoreConformanceSuite, type DamageTarget } from '../../src/testing/conformance/index.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

// Each test gets a fresh random schema (migrated on open) and drops it after; the peer is a
// second PostgresStore with its own pool on the same schema, as another process would have.
const available = await requirePostgres('test/conformance/postgres.test.ts');
const admin = adminPool();
const primaries = new Set<Store>();

afterAll(async () => {
  await admin.end();
});

// jsonb holds only JSON, and any JSON is a valid payload or result: only wrong shapes can be stored.
const wrongShapes = { data: null, attempts: '"not an array"', error: '42', result: null, trigger: '{"type":"bogus"}' } as const;
const columns = { data: 'data', attempts: 'attempts', error: 'error', result: 'result', trigger: 'trigger_spec' } as const;

/** Writes JSON of the wrong shape into a row through the admin pool, as a hand edit would. */
async function damageRow(schema: string, target: DamageTarget): Promise<boolean> {
  const value = target.garbage === 'wrong-shape' ? wrongShapes[target.field] : null;
  if (value === null) return false;
  // A job is in one of two tables: live (jobs) or final (job_history, schema 7).
  const tables = target.kind === 'job' ? ['jobs', 'job_history'] : ['schedules'];
  let damaged = 0;
  for (const table of tables) {
    const result = await admin.query(`UPDATE "${schema}".${table} SET ${columns[target.field]} = $1::jsonb WHERE id = $2`, [value, target.id]);
    damaged += result.rowCount ?? 0;
  }
  if (damaged !== 1) throw new Error(`no ${target.kind} ${target.id} to damage`);
  return true;
}

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
      damage: (store, target) => damageRow((store as PostgresStore).schema, target),
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
