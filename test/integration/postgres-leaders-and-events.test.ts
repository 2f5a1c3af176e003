// What the conformance races can only hit by luck, made deterministic on PostgreSQL: an append
// held open after taking its seq (a gate the test holds, inside a trigger), and a takeover
// committed while another acquisition waits on the row. Also the upgrade from schema 7.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { PostgresStore, migrate } from '../../src/postgres/index.ts';
import { loadMigrations } from '../../src/postgres/migrations.ts';
import type { ClusterEventWrite } from '../../src/store/store.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

const available = await requirePostgres('test/integration/postgres-leaders-and-events.test.ts');
const admin = adminPool();
const schemas: string[] = [];
const stores: PostgresStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  for (const schema of schemas) await dropSchema(admin, schema);
  await admin.end();
});

function freshSchema(): string {
  const schema = randomSchema('sundial_lead');
  schemas.push(schema);
  return schema;
}

/** A store whose backends can be told apart in pg_stat_activity. */
async function openStore(schema: string, applicationName: string): Promise<PostgresStore> {
  const store = new PostgresStore({ poolConfig: { ...pgEnv, application_name: applicationName }, schema, poolSize: 2 });
  stores.push(store);
  await store.open();
  return store;
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a backend of that application waits on a heavyweight lock (a row, an advisory lock, a transaction). */
async function waitsOnLock(applicationName: string): Promise<boolean> {
  const result = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]);
  return (result.rowCount ?? 0) > 0;
}

function event(type: string): ClusterEventWrite {
  return { type, nodeId: 'node-a', atMs: 1_000, data: { type } };
}

describe.skipIf(!available)('the event log under a slow append', () => {
  test('an append that took its seq but has not committed is never skipped: later appends wait, reads and the cursor stop before it', async () => {
    const schema = freshSchema();
    const slow = await openStore(schema, `${schema}-slow`);
    const other = await openStore(schema, `${schema}-other`);
    const reader = await openStore(schema, `${schema}-reader`);
    // The gate: the 'gated' event's insert waits for this session's advisory lock, after its
    // seq was taken (a BEFORE trigger runs after the identity default) and before its commit.
    const gateKey = randomInt(1, 2 ** 31 - 1);
    await admin.query(`
      CREATE FUNCTION "${schema}".gate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'gated' THEN PERFORM pg_advisory_xact_lock_shared(${gateKey}); END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER gate BEFORE INSERT ON "${schema}".events FOR EACH ROW EXECUTE FUNCTION "${schema}".gate()`);
    const gate = new pg.Client(pgEnv);
    await gate.connect();
    try {
      await gate.query('SELECT pg_advisory_lock($1)', [gateKey]);
      const gated = slow.appendEvents([event('gated')]);
      await until('the gated append to hold its seq', () => waitsOnLock(`${schema}-slow`));
      let otherDone = false;
      const appended = other.appendEvents([event('after')]).then(() => (otherDone = true));
      await until('the second append to commit or to wait', async () => otherDone || (await waitsOnLock(`${schema}-other`)));

      const cursor = await reader.eventCursor();
      const early = await reader.readEvents({ afterSeq: 0, limit: 10 });
      await gate.query('SELECT pg_advisory_unlock($1)', [gateKey]);
      await Promise.all([gated, appended]);

      const readFrom = early.events.at(-1)?.seq ?? 0;
      const late = await reader.readEvents({ afterSeq: readFrom, limit: 10 });
      const seen = [...early.events, ...late.events].map((e) => e.type);
      expect(seen.sort()).toEqual(['after', 'gated']);
      expect((await reader.readEvents({ afterSeq: cursor, limit: 10 })).events.map((e) => e.type)).toContain('gated');
    } finally {
      await gate.end();
    }
  });
});

describe.skipIf(!available)('a refused acquisition answers the committed record', () => {
  const leaseMs = 5_000;
  const request = (name: string, nodeId: string, observedVersion: number | null, nowMs = 1_000) => ({ name, nodeId, nowMs, leaseMs, observedVersion });

  /** Runs an acquisition in a transaction left open, as another node's would be before its commit. */
  async function openTakeover(client: pg.Client, schema: string, name: string, nodeId: string, observedVersion: number | null): Promise<void> {
    await client.query('BEGIN');
    const taken = await client.query(`SELECT * FROM "${schema}".acquire_leadership($1, $2, 7000, $3, $4)`, [name, nodeId, leaseMs, observedVersion]);
    expect(taken.rows[0]?.holder).toBe(nodeId);
  }

  test('after waiting for a takeover of the same version, the loser is answered the winner, not the record it found', async () => {
    const schema = freshSchema();
    const store = await openStore(schema, `${schema}-b`);
    const held = await store.acquireLeadership(request('election', 'node-a', null));
    const rival = new pg.Client(pgEnv);
    await rival.connect();
    try {
      await openTakeover(rival, schema, 'election', 'node-c', held.version);
      const answer = store.acquireLeadership(request('election', 'node-b', held.version, 6_000));
      await until('the acquisition to wait on the row', () => waitsOnLock(`${schema}-b`));
      await rival.query('COMMIT');
      expect(await answer).toEqual({ name: 'election', holder: 'node-c', term: 2, version: 2, acquiredAtMs: 7_000, renewedAtMs: 7_000, leaseMs });
    } finally {
      await rival.end();
    }
  });

  test('after waiting for the first acquisition of a new election, the loser is answered the winner', async () => {
    const schema = freshSchema();
    const store = await openStore(schema, `${schema}-b`);
    const rival = new pg.Client(pgEnv);
    await rival.connect();
    try {
      await openTakeover(rival, schema, 'fresh', 'node-a', null);
      const answer = store.acquireLeadership(request('fresh', 'node-b', null));
      await until('the acquisition to wait on the insert', () => waitsOnLock(`${schema}-b`));
      await rival.query('COMMIT');
      expect(await answer).toMatchObject({ name: 'fresh', holder: 'node-a', term: 1, version: 1 });
    } finally {
      await rival.end();
    }
  });
});

describe.skipIf(!available)('upgrade from schema 7', () => {
  test('a node row of schema 7 lists no cluster events; the log and the elections start empty', async () => {
    const schema = freshSchema();
    const seven = loadMigrations().slice(0, 7);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${seven.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of seven) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await admin.query(`INSERT INTO "${schema}".nodes (id, hostname, pid, role_schedules, role_jobs, tasks, concurrency, running, started_at_ms, last_seen_at_ms, version)
      VALUES ('node-old', 'host', 42, true, true, '["task-a"]', 4, 0, 100, 200, '0.9.0')`);

    const report = await migrate({ poolConfig: pgEnv, schema });
    expect(report).toEqual({ fromVersion: 7, toVersion: loadMigrations().length, applied: loadMigrations().slice(7).map((migration) => migration.name) });
    const store = await openStore(schema, `${schema}-up`);
    expect((await store.listNodes()).map((node) => [node.id, node.clusterEvents])).toEqual([['node-old', []]]);
    expect(await store.listLeaders()).toEqual([]);
    expect(await store.eventCursor()).toBe(0);
    expect(await store.readEvents({ afterSeq: 0, limit: 10 })).toEqual({ events: [], trimmedThroughSeq: 0 });
  });
});
