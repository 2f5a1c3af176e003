// PostgresStore behaviour beyond the shared conformance suite: schema names and migrations,
// joining the caller's transaction, and what the store does while PostgreSQL is unreachable.
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { Scheduler, task } from '../../src/index.ts';
import { InvalidArgumentError, StoreSchemaError, StoreUnavailableError } from '../../src/errors.ts';
import { PostgresStore, migrate } from '../../src/postgres/index.ts';
import { loadMigrations } from '../../src/postgres/migrations.ts';
import { newJob, scheduleWrite } from '../../src/testing/conformance/index.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';
import { PgProxy } from '../fixtures/pg-proxy.ts';

const available = await requirePostgres('test/integration/postgres-store.test.ts');
const admin = adminPool();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(admin, schema);
  await admin.end();
});

function freshSchema(): string {
  const schema = randomSchema('sundial_it');
  schemas.push(schema);
  return schema;
}

async function tableList(schema: string): Promise<string[]> {
  const result = await admin.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema]);
  return result.rows.map((row) => row.tablename);
}

describe('schema names', () => {
  test('the schema must be a plain SQL identifier', () => {
    for (const schema of ['bad-name', '1abc', 'a b', 'x"; DROP TABLE t; --', '', 'pg_catalog', 'a'.repeat(64)]) {
      expect(() => new PostgresStore({ schema }), schema).toThrow(InvalidArgumentError);
    }
    expect(new PostgresStore({ schema: 'Mixed_Case$1' }).schema).toBe('Mixed_Case$1');
    expect(new PostgresStore().schema).toBe('sundial');
  });
});

describe.skipIf(!available)('migrations', () => {
  const allVersions = loadMigrations().map((migration) => migration.version);
  const latest = allVersions.at(-1)!;

  test('five stores opening a fresh schema at once migrate it once', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 5 }, () => new PostgresStore({ poolConfig: pgEnv, schema, poolSize: 1 }));
    await Promise.all(stores.map((store) => store.open()));
    const versions = await admin.query(`SELECT version FROM "${schema}".sundial_migrations ORDER BY version`);
    expect(versions.rows.map((row) => row.version)).toEqual(allVersions);
    expect(await tableList(schema)).toEqual([
      'breaker_calls', 'breakers', 'events', 'events_meta', 'fire_keys', 'job_edges', 'job_history', 'jobs', 'leaders', 'nodes',
      'rate_tokens', 'schedules', 'sundial_migrations',
    ]);
    await stores[0]!.enqueueJobs([newJob('job-1')]);
    expect((await stores[4]!.getJob('job-1'))?.id).toBe('job-1');
    await Promise.all(stores.map((store) => store.close()));
  });

  test('migrate() reports what it did; open with migrate: false only checks the version', async () => {
    const schema = freshSchema();
    await expect(new PostgresStore({ poolConfig: pgEnv, schema, migrate: false }).open()).rejects.toThrow(StoreSchemaError);
    expect(await tableList(schema)).toEqual([]);
    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 0, toVersion: latest, applied: loadMigrations().map((migration) => migration.name) });
    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: latest, toVersion: latest, applied: [] });
    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await store.open();
    await store.close();
  });

  test('a schema written by a newer Sundial is refused and left untouched', async () => {
    const schema = freshSchema();
    await migrate({ poolConfig: pgEnv, schema });
    await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES (99, '0099_future.sql')`);
    await admin.query(`ALTER TABLE "${schema}".jobs ADD COLUMN future_column text`);
    const store = new PostgresStore({ poolConfig: pgEnv, schema });
    await expect(store.open()).rejects.toThrow(/version 99.*newer Sundial/);
    await expect(migrate({ poolConfig: pgEnv, schema })).rejects.toBeInstanceOf(StoreSchemaError);
    const versions = await admin.query(`SELECT version FROM "${schema}".sundial_migrations ORDER BY version`);
    expect(versions.rows.map((row) => row.version)).toEqual([...allVersions, 99]);
    const column = await admin.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'future_column'`, [schema]);
    expect(column.rowCount).toBe(1);
  });

  test('a schema at version 1 is upgraded in place: its queued job stays and is claimed', async () => {
    const schema = freshSchema();
    // What a Sundial that knew only schema 1 left behind: its tables, its version, a queued job.
    const [first] = loadMigrations();
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${first!.sql}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO "${schema}".sundial_migrations (version, name) VALUES (1, '${first!.name}')`);
    await admin.query(`INSERT INTO "${schema}".jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts)
      VALUES ('job-before-upgrade', 'task-a', '{"n":1}', 'enqueue', 'queued', 0, 1000, 1000, 1000, 3)`);
    // A job running on a node of the old version: its open attempt is the last JSON record.
    const openAttempt = { attempt: 2, nodeId: 'node-old', fencingToken: 2, startedAtMs: 1500, finishedAtMs: null, outcome: 'running', error: null };
    const firstAttempt = { ...openAttempt, attempt: 1, fencingToken: 1, startedAtMs: 1100, finishedAtMs: 1200, outcome: 'failed', error: { name: 'Error', message: 'boom' } };
    await admin.query(`INSERT INTO "${schema}".jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, started_at_ms,
        attempt, max_attempts, lease_owner, lease_expires_at_ms, fencing_token, attempts)
      VALUES ('job-running-at-upgrade', 'task-a', '{"n":2}', 'enqueue', 'running', 0, 1000, 1000, 1500, 1100, 2, 3, 'node-old', 1000000, 2, $1)`,
      [JSON.stringify([firstAttempt, openAttempt])]);
    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 1, toVersion: latest, applied: loadMigrations().slice(1).map((migration) => migration.name) });
    const upgraded = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await upgraded.open();
    const claimed = await upgraded.claimJobs({ nodeId: 'node-a', nowMs: 2000, leaseMs: 1_000, limit: 10, tasks: ['task-a', 'x', 't'] });
    expect(claimed.map((job) => [job.id, job.status, job.attempt, job.data])).toEqual([['job-before-upgrade', 'running', 1, { n: 1 }]]);
    expect((await upgraded.getJob('job-before-upgrade'))?.attempts).toEqual([
      { attempt: 1, nodeId: 'node-a', fencingToken: 1, startedAtMs: 2000, finishedAtMs: null, outcome: 'running', error: null },
    ]);
    // The job running during the upgrade reads the same, and its attempt closes in place.
    expect((await upgraded.getJob('job-running-at-upgrade'))?.attempts).toEqual([firstAttempt, openAttempt]);
    const [completed] = await upgraded.completeJobs([{ jobId: 'job-running-at-upgrade', fencingToken: 2, nowMs: 2500, completion: { status: 'succeeded', result: null } }]);
    expect(completed?.completed).toBe(true);
    expect((await upgraded.getJob('job-running-at-upgrade'))?.attempts).toEqual([firstAttempt, { ...openAttempt, finishedAtMs: 2500, outcome: 'succeeded' }]);
    await upgraded.close();
  });

  test('a schema at version 5 with data is upgraded to reservations: its jobs and schedule keep working', async () => {
    const schema = freshSchema();
    // What a Sundial of schema 5 left behind: a queued job holding a dedupe key, a delayed job, a
    // job running on a node of the old version, and a schedule.
    const five = loadMigrations().slice(0, 5);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${five.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of five) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await admin.query(`INSERT INTO "${schema}".jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts, dedupe_key)
      VALUES ('job-keyed', 'task-a', '{"n":1}', 'enqueue', 'queued', 0, 1000, 1000, 1000, 3, 'key-1'),
             ('job-delayed', 'task-a', '{"n":2}', 'enqueue', 'queued', 0, 2500, 1000, 1000, 3, NULL)`);
    await admin.query(`INSERT INTO "${schema}".jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, started_at_ms,
        attempt, max_attempts, lease_owner, lease_expires_at_ms, fencing_token, attempt_started_at_ms)
      VALUES ('job-running', 'task-a', 'null', 'enqueue', 'running', 0, 1000, 1000, 1500, 1500, 1, 3, 'node-old', 1800, 1, 1500)`);
    await admin.query(`INSERT INTO "${schema}".schedules (id, task, data, trigger_spec, priority, coalesce_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-1', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":0}', 0, 'latest', false, 2200, 1000, 1000)`);

    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 5, toVersion: latest, applied: loadMigrations().slice(5).map((migration) => migration.name) });
    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await store.open();
    try {
      // The dedupe key still blocks while its job is active, and the running job is found expired.
      const [duplicate] = await store.enqueueJobs([newJob('job-keyed-again', { dedupeKey: 'key-1' })]);
      expect(duplicate?.created === false && duplicate.job.id).toBe('job-keyed');
      expect((await store.findExpiredLeases({ nowMs: 2000, limit: 10 })).map((job) => job.id)).toEqual(['job-running']);
      // Due jobs are claimed, delayed ones reserved ahead.
      const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: 2000, leaseMs: 1000, limit: 10, tasks: ['task-a'], aheadMs: 1000, aheadLimit: 10 });
      expect(claimed.map((job) => [job.id, job.status, job.attempt, job.leaseExpiresAtMs])).toEqual([
        ['job-keyed', 'running', 1, 3000],
        ['job-delayed', 'reserved', 1, 3500],
      ]);
      expect(await store.nextWakeAtMs()).toBe(1800);
      // The schedule fires into a reserved job, counted active.
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: 2000, leaseMs: 1000, limit: 1, horizonMs: 500 });
      expect([acquired?.schedule.id, acquired?.activeJobs]).toEqual(['sched-1', 0]);
      const [released] = await store.releaseSchedules([{
        scheduleId: 'sched-1', leaseToken: acquired!.leaseToken, nowMs: 2000, nextFireAtMs: 3200, lastFireAtMs: 2200, skipped: 0, missed: 0, end: false,
        jobs: [{ ...newJob('fire-2200', { runAtMs: 2200 }), origin: 'schedule', scheduleId: 'sched-1', fireAtMs: 2200 }],
        reserve: { nodeId: 'node-a', leaseMs: 1000 },
      }]);
      expect(released?.created.map((job) => [job.id, job.status, job.fencingToken])).toEqual([['fire-2200', 'reserved', 1]]);
      expect((await store.getSchedule('sched-1'))?.firedCount).toBe(1);
    } finally {
      await store.close();
    }
  });

  test('a schema at version 6 with data is upgraded to the hot table and history: every job is kept, listed, claimable or retryable', async () => {
    const schema = freshSchema();
    // What a Sundial of schema 6 left behind: one job in each status, final ones among them
    // (one holding a schedule fire, one a dedupe key), and the schedule.
    const six = loadMigrations().slice(0, 6);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${six.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of six) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await admin.query(`INSERT INTO "${schema}".schedules (id, task, data, trigger_spec, priority, coalesce_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-1', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":0}', 0, 'latest', false, 5000, 100, 100)`);
    const attempt = (n: number, outcome: string, error: unknown) => ({ attempt: n, nodeId: 'node-old', fencingToken: n, startedAtMs: 1000 + n, finishedAtMs: 1100 + n, outcome, error });
    const boom = { name: 'Error', message: 'boom' };
    await admin.query(`INSERT INTO "${schema}".jobs (id, task, data, origin, schedule_id, fire_at_ms, status, priority, run_at_ms, created_at_ms, updated_at_ms,
        started_at_ms, finished_at_ms, attempt, max_attempts, dedupe_key, lease_owner, lease_expires_at_ms, fencing_token, result, error, attempts, attempt_started_at_ms)
      VALUES
        ('job-queued',    'task-a', '{"n":1}', 'enqueue',  NULL,      NULL, 'queued',    0, 1000, 1001, 1001, NULL, NULL, 0, 3, NULL,    NULL, NULL, 0, NULL, NULL, '[]', NULL),
        ('job-failed',    'task-a', '{"n":2}', 'enqueue',  NULL,      NULL, 'failed',    0, 1500, 1002, 1102, 1001, NULL, 1, 3, NULL,    NULL, NULL, 1, NULL, $1,   $2,   NULL),
        ('job-running',   'task-a', '{"n":3}', 'enqueue',  NULL,      NULL, 'running',   0, 1000, 1003, 1003, 1003, NULL, 1, 3, NULL,    'node-old', 1800, 1, NULL, NULL, '[]', 1003),
        ('job-reserved',  'task-a', '{"n":4}', 'schedule', 'sched-1', 4000, 'reserved',  0, 4000, 1004, 1004, NULL, NULL, 0, 3, NULL,    'node-old', 5000, 1, NULL, NULL, '[]', NULL),
        ('job-succeeded', 'task-a', '{"n":5}', 'schedule', 'sched-1', 3000, 'succeeded', 0, 3000, 1005, 1105, 1001, 1101, 1, 3, NULL,    NULL, NULL, 1, '{"ok":true}', NULL, $3, NULL),
        ('job-dead',      'task-a', '{"n":6}', 'enqueue',  NULL,      NULL, 'dead',      0, 1000, 1006, 1106, 1001, 1101, 1, 1, 'key-1', NULL, NULL, 1, NULL, $1,   $4,   NULL),
        ('job-cancelled', 'task-a', '{"n":7}', 'enqueue',  NULL,      NULL, 'cancelled', 0, 9000, 1007, 1107, NULL, 1107, 0, 3, NULL,    NULL, NULL, 0, NULL, $1,   '[]', NULL)`,
      [JSON.stringify(boom), JSON.stringify([attempt(1, 'failed', boom)]), JSON.stringify([attempt(1, 'succeeded', null)]), JSON.stringify([attempt(1, 'dead', boom)])]);
    const before = await admin.query(`SELECT * FROM "${schema}".jobs ORDER BY id`);

    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 6, toVersion: latest, applied: loadMigrations().slice(6).map((migration) => migration.name) });
    // Final jobs moved into the history, column for column; the live ones stayed.
    const placed = await admin.query(`SELECT 'jobs' AS t, id FROM "${schema}".jobs UNION ALL SELECT 'job_history', id FROM "${schema}".job_history ORDER BY 2`);
    expect(placed.rows.map((row) => [row.id, row.t])).toEqual([
      ['job-cancelled', 'job_history'], ['job-dead', 'job_history'], ['job-failed', 'jobs'], ['job-queued', 'jobs'],
      ['job-reserved', 'jobs'], ['job-running', 'jobs'], ['job-succeeded', 'job_history'],
    ]);
    // Column for column, and (schema 9) no trace context, (schema 10) no parents.
    const after = await admin.query(`SELECT * FROM "${schema}".all_jobs ORDER BY id`);
    expect(after.rows.map(({ trace_context, parents, on_parent_failure, has_children, ...row }) => [[trace_context, parents, on_parent_failure, has_children], row]))
      .toEqual(before.rows.map((row) => [[null, null, null, false], row]));

    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await store.open();
    try {
      const ids = before.rows.map((row) => row.id as string);
      expect((await store.listJobs()).map((job) => job.id).sort()).toEqual(ids);
      expect((await store.listJobs({ updatedAfterMs: 0 })).map((job) => job.id)).toEqual(
        ['job-queued', 'job-running', 'job-reserved', 'job-failed', 'job-succeeded', 'job-dead', 'job-cancelled']);
      expect((await store.listJobs({ status: ['succeeded', 'queued'] })).map((job) => job.id)).toEqual(['job-succeeded', 'job-queued']);
      expect((await store.listJobs({ scheduleId: 'sched-1' })).map((job) => job.id)).toEqual(['job-succeeded', 'job-reserved']);
      for (const id of ids) expect((await store.getJob(id))?.id).toBe(id);
      expect((await store.getJob('job-succeeded'))?.result).toEqual({ ok: true });
      const stats = await store.jobStats({ nowMs: 2000, sinceMs: 1000, bucketMs: 1000 });
      expect(stats.byStatus).toEqual({ waiting: 0, queued: 1, failed: 1, running: 1, reserved: 1, succeeded: 1, dead: 1, cancelled: 1 });
      expect(stats.finished).toEqual([{ bucketStartMs: 1000, succeeded: 1, dead: 1, cancelled: 1 }, { bucketStartMs: 2000, succeeded: 0, dead: 0, cancelled: 0 }]);

      // The fire of the finished job is still taken; a new fire is not.
      const [again] = await store.enqueueJobs([{ ...newJob('fire-3000-again', { runAtMs: 3000 }), origin: 'schedule', scheduleId: 'sched-1', fireAtMs: 3000 }]);
      expect(again?.created === false && again.job.id).toBe('job-succeeded');
      // The dead job's dedupe key no longer blocks; retried, it is live again and holds it.
      const [keyed] = await store.enqueueJobs([newJob('job-keyed', { dedupeKey: 'key-1', runAtMs: 1900 })]);
      expect(keyed?.created).toBe(true);
      await expect(store.retryJob({ jobId: 'job-dead', nowMs: 2000 })).rejects.toThrow(/dedupeKey/);
      expect((await store.retryJob({ jobId: 'job-cancelled', nowMs: 2000 }))?.status).toBe('queued');
      expect((await store.findExpiredLeases({ nowMs: 2000, limit: 10 })).map((job) => job.id)).toEqual(['job-running']);
      const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: 2000, leaseMs: 1000, limit: 10, tasks: ['task-a'], aheadMs: 5000, aheadLimit: 10 });
      expect(claimed.map((job) => [job.id, job.status])).toEqual([
        ['job-queued', 'running'], ['job-failed', 'running'], ['job-keyed', 'running'], ['job-cancelled', 'running'],
      ]);
      // Purged, the finished job frees its fire.
      expect(await store.purgeJobs({ finishedBeforeMs: 2000 })).toBe(2);
      expect(await store.getJob('job-succeeded')).toBeNull();
      const [refired] = await store.enqueueJobs([{ ...newJob('fire-3000-new', { runAtMs: 3000 }), origin: 'schedule', scheduleId: 'sched-1', fireAtMs: 3000 }]);
      expect(refired?.created).toBe(true);
    } finally {
      await store.close();
    }
  });

  test('a schema at version 10 is upgraded to 11: its schedule reads catchUpLimit 1000, and a write stores its own', async () => {
    const schema = freshSchema();
    const ten = loadMigrations().slice(0, 10);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${ten.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of ten) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await admin.query(`INSERT INTO "${schema}".schedules (id, task, data, trigger_spec, priority, coalesce_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-1', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":null,"endAtMs":null,"jitterMs":0}', 0, 'latest', false, 2200, 1000, 1000)`);

    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 10, toVersion: latest, applied: ['0011_catch_up_limit.sql', '0012_overlap_policy.sql'] });
    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await store.open();
    try {
      expect(await store.getSchedule('sched-1')).toMatchObject({ catchUpLimit: 1000, nextFireAtMs: 2200 });
      await store.upsertSchedule(scheduleWrite('sched-1', { catchUpLimit: 12, nowMs: 3000 }));
      expect((await store.getSchedule('sched-1'))?.catchUpLimit).toBe(12);
    } finally {
      await store.close();
    }
  });

  test("a schema at version 11 is upgraded to 12: its schedule reads overlap 'skip', and a write stores its own", async () => {
    const schema = freshSchema();
    const eleven = loadMigrations().slice(0, 11);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${eleven.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of eleven) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await admin.query(`INSERT INTO "${schema}".schedules (id, task, data, trigger_spec, priority, coalesce_policy, catch_up_limit, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-1', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":null,"endAtMs":null,"jitterMs":0}', 0, 'latest', 7, false, 2200, 1000, 1000)`);

    expect(latest).toBe(12);
    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 11, toVersion: 12, applied: ['0012_overlap_policy.sql'] });
    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    await store.open();
    try {
      expect(await store.getSchedule('sched-1')).toMatchObject({ overlap: 'skip', catchUpLimit: 7, nextFireAtMs: 2200 });
      await store.upsertSchedule(scheduleWrite('sched-1', { overlap: 'bufferOne', catchUpLimit: 7, nowMs: 3000 }));
      expect(await store.getSchedule('sched-1')).toMatchObject({ overlap: 'bufferOne', catchUpLimit: 7 });
    } finally {
      await store.close();
    }
  });

  test("another application's tables in the schema are refused", async () => {
    const schema = freshSchema();
    await admin.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".jobs (id int)`);
    await expect(new PostgresStore({ poolConfig: pgEnv, schema }).open()).rejects.toThrow(/tables named jobs but no sundial_migrations/);
  });
});

describe.skipIf(!available)('query plans with stale statistics', () => {
  // A job queue's statistics are nearly always wrong: a just-filled table has none, and one
  // analysed while its queue was empty says no job is queued. The hot path must not depend on
  // them. auto_explain reports the plan of every statement (also inside the claim function)
  // to the client as a LOG notice.
  test('claiming 10 of 5,000 fresh jobs walks each task\'s range of jobs_claim_task in order; completing them goes by primary key', async () => {
    const schema = freshSchema();
    const plans: string[] = [];
    const pool = new pg.Pool({ ...pgEnv, max: 1 });
    pool.on('connect', (client) => {
      client.on('notice', (notice) => plans.push(String(notice.message)));
      void client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET client_min_messages = log`);
    });
    const store = new PostgresStore({ pool, schema });
    await store.open();
    await store.enqueueJobs(Array.from({ length: 5000 }, (_, i) => newJob(`job-${String(i).padStart(5, '0')}`)));
    plans.length = 0;
    const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: Date.now() + 60_000, leaseMs: 60_000, limit: 10, tasks: ['task-a', 'x', 't'] });
    expect(claimed).toHaveLength(10);
    const claimPlan = plans.find((plan) => plan.includes('SKIP LOCKED'));
    // Each task's range is walked in claim order (no sort under the LockRows); the only sort
    // merges the ranges' first `limit` rows.
    expect(claimPlan).toMatch(/LockRows[\s\S]*Index Scan using jobs_claim_task on jobs/);
    expect(claimPlan).not.toMatch(/Seq Scan|Bitmap/);
    expect(claimPlan!.match(/Sort Key/g)).toEqual(['Sort Key']);
    expect(claimPlan).toMatch(/Sort Key: c\.priority DESC, c\.run_at_ms, c\.seq/);

    plans.length = 0;
    const completed = await store.completeJobs(claimed.map((job) => ({
      jobId: job.id, fencingToken: job.fencingToken, nowMs: Date.now() + 60_000, completion: { status: 'succeeded', result: null },
    })));
    expect(completed.map((result) => result.completed)).toEqual(Array(10).fill(true));
    const completePlan = plans.find((plan) => plan.includes('jsonb_to_recordset'));
    expect(completePlan).toMatch(/jobs_pkey/);
    expect(completePlan).not.toMatch(/Seq Scan on jobs|jobs_status_created|jobs_lease_expiry/);
    await store.close();
    await pool.end();
  });
});

describe.skipIf(!available)('the hot table and the history (schema 7)', () => {
  const fireJob = (id: string, fireAtMs: number) => ({ ...newJob(id, { runAtMs: fireAtMs }), origin: 'schedule' as const, scheduleId: 'sched-1', fireAtMs });
  const placeOf = async (schema: string, id: string) => {
    const result = await admin.query(`SELECT 'jobs' AS t FROM "${schema}".jobs WHERE id = $1 UNION ALL SELECT 'job_history' FROM "${schema}".job_history WHERE id = $1`, [id]);
    return result.rows.map((row) => row.t as string);
  };

  test('the completion that ends a job moves it into the history; a retry or a cancellation moves it as well', async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ poolConfig: pgEnv, schema });
    await store.open();
    try {
      await store.enqueueJobs([newJob('job-1', { runAtMs: 1000 }), newJob('job-2', { runAtMs: 1000 }), newJob('job-3', { runAtMs: 1000 })]);
      const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: 1000, leaseMs: 1000, limit: 2, tasks: ['task-a'] });
      const [one, two] = claimed;
      await store.completeJobs([
        { jobId: one!.id, fencingToken: one!.fencingToken, nowMs: 1100, completion: { status: 'dead', error: { name: 'Error', message: 'boom' } } },
        { jobId: two!.id, fencingToken: two!.fencingToken, nowMs: 1100, completion: { status: 'retry', error: { name: 'Error', message: 'again' }, retryAtMs: 5000 } },
      ]);
      expect([await placeOf(schema, 'job-1'), await placeOf(schema, 'job-2')]).toEqual([['job_history'], ['jobs']]);
      expect((await store.cancelJob({ jobId: 'job-3', nowMs: 1200, reason: 'stop' }))?.status).toBe('cancelled');
      expect(await placeOf(schema, 'job-3')).toEqual(['job_history']);
      const retried = await store.retryJob({ jobId: 'job-1', nowMs: 1300 });
      expect([retried?.status, retried?.maxAttempts, await placeOf(schema, 'job-1')]).toEqual(['queued', 2, ['jobs']]);
      // Claim order keeps the creation order (seq) of a job moved back.
      await store.retryJob({ jobId: 'job-3', nowMs: 1300 });
      const again = await store.claimJobs({ nodeId: 'node-a', nowMs: 1300, leaseMs: 1000, limit: 5, tasks: ['task-a'] });
      expect(again.map((job) => job.id)).toEqual(['job-1', 'job-3']);
    } finally {
      await store.close();
    }
  });

  test('a fire taken by an uncommitted enqueue is not created twice: the second enqueue waits, then answers the first job', async () => {
    const pool = new pg.Pool({ ...pgEnv, max: 3 });
    const store = new PostgresStore({ pool, schema: freshSchema() });
    await store.open();
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      expect((await store.enqueueJobs([fireJob('fire-a', 3000)], { tx }))[0]?.created).toBe(true);
      const racing = store.enqueueJobs([fireJob('fire-b', 3000)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.query('COMMIT');
      const [result] = await racing;
      expect(result?.created === false && result.job.id).toBe('fire-a');
      expect((await store.listJobs({ scheduleId: 'sched-1' })).map((job) => job.id)).toEqual(['fire-a']);
    } finally {
      tx.release();
      await store.close();
      await pool.end();
    }
  });

  test('an enqueue reusing the id of a job that moves into the history meanwhile waits for the move and creates nothing', async () => {
    const schema = freshSchema();
    const pool = new pg.Pool({ ...pgEnv, max: 3 });
    const store = new PostgresStore({ pool, schema });
    await store.open();
    const mover = await pool.connect();
    try {
      await store.enqueueJobs([newJob('job-x', { runAtMs: 1000 })]);
      // A completion's move, held open: the row is gone from jobs, the history row not committed.
      await mover.query('BEGIN');
      await mover.query(`WITH m AS (DELETE FROM "${schema}".jobs WHERE id = 'job-x' RETURNING *)
        INSERT INTO "${schema}".job_history SELECT id, seq, task, data, origin, schedule_id, fire_at_ms, 'succeeded', priority, run_at_ms,
          created_at_ms, 1100, started_at_ms, 1100, attempt, max_attempts, dedupe_key, NULL, NULL, fencing_token, cancel_requested, 'null',
          error, attempts, NULL FROM m`);
      const racing = store.enqueueJobs([newJob('job-x', { runAtMs: 2000, data: { n: 2 } })]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await mover.query('COMMIT');
      const [result] = await racing;
      expect(result?.created === false && [result.job.id, result.job.status]).toEqual(['job-x', 'succeeded']);
      const copies = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".all_jobs WHERE id = 'job-x'`);
      expect(copies.rows[0].n).toBe(1);
    } finally {
      mover.release();
      await store.close();
      await pool.end();
    }
  });

  test('enqueues of a fire racing the completion that moves its job into the history never create a second job', { timeout: 30_000 }, async () => {
    const schema = freshSchema();
    const worker = new PostgresStore({ poolConfig: pgEnv, schema, poolSize: 2 });
    const others = Array.from({ length: 3 }, () => new PostgresStore({ poolConfig: pgEnv, schema, poolSize: 2 }));
    await Promise.all([worker.open(), ...others.map((store) => store.open())]);
    try {
      for (let round = 0; round < 40; round++) {
        const fireAtMs = 10_000 + round;
        await worker.enqueueJobs([fireJob(`fire-${round}`, fireAtMs)]);
        const [job] = await worker.claimJobs({ nodeId: 'node-a', nowMs: 20_000, leaseMs: 1000, limit: 1, tasks: ['task-a'] });
        await Promise.all([
          worker.completeJobs([{ jobId: job!.id, fencingToken: job!.fencingToken, nowMs: 20_000, completion: { status: 'succeeded', result: null } }]),
          ...others.map((store, k) => store.enqueueJobs([fireJob(`fire-${round}-again-${k}`, fireAtMs)])),
        ]);
      }
      const fires = await admin.query(`SELECT fire_at_ms, count(*)::int AS n FROM "${schema}".all_jobs GROUP BY fire_at_ms HAVING count(*) > 1`);
      expect(fires.rows).toEqual([]);
      expect((await worker.listJobs({ scheduleId: 'sched-1', limit: 1000 }))).toHaveLength(40);
    } finally {
      await Promise.all([worker.close(), ...others.map((store) => store.close())]);
    }
  });
});

describe.skipIf(!available)('round trips of the batch calls', () => {
  test('enqueueJobs, upsertSchedules and completeAndClaim are one statement each, whatever their size', async () => {
    const pool = new pg.Pool({ ...pgEnv, max: 2 });
    const store = new PostgresStore({ pool, schema: freshSchema() });
    await store.open();
    let statements = 0;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof pool.query>) => {
      statements++;
      return query(...args);
    }) as typeof pool.query;
    const counted = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
      statements = 0;
      const value = await run();
      return [value, statements];
    };
    const nowMs = 1_000;
    const [enqueued, enqueueStatements] = await counted(() => store.enqueueJobs(Array.from({ length: 1000 }, (_, i) => newJob(`job-${i}`, { runAtMs: nowMs }))));
    expect([enqueued.every((result) => result.created), enqueueStatements]).toEqual([true, 1]);
    const [written, upsertStatements] = await counted(() => store.upsertSchedules(Array.from({ length: 200 }, (_, i) => scheduleWrite(`sched-${i}`))));
    expect([written.length, upsertStatements]).toEqual([200, 1]);
    const claim = { nodeId: 'node-a', nowMs, leaseMs: 60_000, limit: 50, tasks: ['task-a'] };
    const held = await store.claimJobs(claim);
    const [result, cycleStatements] = await counted(() => store.completeAndClaim({
      completions: held.map((job) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'succeeded' as const, result: null } })),
      claim,
    }));
    expect([result.completed.every((c) => c.completed), result.claimed.length, cycleStatements]).toEqual([true, 50, 1]);
    await store.close();
    await pool.end();
  });
});

describe.skipIf(!available)('transactional writes (options.tx)', () => {
  test("a job enqueued in the caller's transaction exists only if it commits", async () => {
    const pool = new pg.Pool({ ...pgEnv, max: 3 });
    const store = new PostgresStore({ pool, schema: freshSchema() });
    await store.open();
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      await store.enqueueJobs([newJob('job-rolled-back')], { tx });
      await store.upsertSchedule(scheduleWrite('sched-rolled-back'), { tx });
      expect(await store.getJob('job-rolled-back'), 'invisible outside the transaction').toBeNull();
      await tx.query('ROLLBACK');
      expect(await store.getJob('job-rolled-back')).toBeNull();
      expect(await store.getSchedule('sched-rolled-back')).toBeNull();

      await tx.query('BEGIN');
      const [result] = await store.enqueueJobs([newJob('job-committed')], { tx });
      expect(result?.created).toBe(true);
      await tx.query('COMMIT');
      expect((await store.getJob('job-committed'))?.status).toBe('queued');
    } finally {
      tx.release();
    }
    await expect(store.enqueueJobs([newJob('job-x')], { tx: {} })).rejects.toThrow(/options\.tx/);
    await store.close();
    // The pool is the caller's: close() leaves it usable.
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await pool.end();
  });

  test('scheduler.enqueue with { tx }: rollback → no job; commit → the job runs', async () => {
    const pool = new pg.Pool({ ...pgEnv, max: 4 });
    const ran: string[] = [];
    const scheduler = new Scheduler({
      store: new PostgresStore({ pool, schema: freshSchema() }),
      tasks: [task<{ order: string }>('ship', { run: ({ data }) => void ran.push(data.order) })],
      pollInterval: '30s',
    });
    await scheduler.start();
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const lost = await scheduler.enqueue({ task: 'ship', data: { order: 'rolled-back' } }, { tx });
      await tx.query('ROLLBACK');
      await tx.query('BEGIN');
      const kept = await scheduler.enqueue({ task: 'ship', data: { order: 'committed' } }, { tx });
      await tx.query('COMMIT');
      // The commit's NOTIFY wakes the node (its poll interval is 30 s).
      const deadline = Date.now() + 5000;
      while ((await scheduler.getJob(kept.id))?.status !== 'succeeded' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect((await scheduler.getJob(kept.id))?.status).toBe('succeeded');
      expect(await scheduler.getJob(lost.id)).toBeNull();
      expect(ran).toEqual(['committed']);
    } finally {
      tx.release();
      await scheduler.stop();
      await pool.end();
    }
  });
});

describe.skipIf(!available)('connection loss', () => {
  test('calls during an outage reject with StoreUnavailableError (cause chained) and succeed again after', async () => {
    const proxy = new PgProxy({ host: pgEnv.host, port: pgEnv.port });
    await proxy.up();
    const store = new PostgresStore({ poolConfig: { ...pgEnv, host: '127.0.0.1', port: proxy.port, connectionTimeoutMillis: 1000 }, schema: freshSchema() });
    await store.open();
    await store.enqueueJobs([newJob('job-1')]);

    await proxy.down();
    for (const call of [() => store.getJob('job-1'), () => store.claimJobs({ nodeId: 'n', nowMs: Date.now(), leaseMs: 1000, limit: 5, tasks: ['task-a', 'x', 't'] })]) {
      const error = await call().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).cause).toBeInstanceOf(Error);
    }

    await proxy.up();
    expect((await store.getJob('job-1'))?.id).toBe('job-1');
    expect(await store.claimJobs({ nodeId: 'n', nowMs: Date.now(), leaseMs: 1000, limit: 5, tasks: ['task-a', 'x', 't'] })).toHaveLength(1);
    await store.close();
    await proxy.down();
  });

  test('opening an unreachable database rejects with StoreUnavailableError', async () => {
    const proxy = new PgProxy({ host: pgEnv.host, port: pgEnv.port });
    await proxy.up();
    const port = proxy.port;
    await proxy.down();
    const store = new PostgresStore({ poolConfig: { ...pgEnv, host: '127.0.0.1', port, connectionTimeoutMillis: 1000 }, schema: freshSchema() });
    await expect(store.open()).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });
  test('a scheduler started while the database is down connects once it answers, and runs its work', { timeout: 30_000 }, async () => {
    const proxy = new PgProxy({ host: pgEnv.host, port: pgEnv.port });
    await proxy.up();
    const port = proxy.port;
    await proxy.down();
    const ran: string[] = [];
    const echo = task('echo', { run: ({ job }) => void ran.push(job.id) });
    const scheduler = new Scheduler({
      store: new PostgresStore({ poolConfig: { ...pgEnv, host: '127.0.0.1', port, connectionTimeoutMillis: 1000 }, schema: freshSchema() }),
      tasks: [echo],
      logger: 'silent',
    });
    try {
      await scheduler.start(); // resolves: the node waits for its database
      expect(scheduler.health()).toMatchObject({ state: 'connecting', ready: false });
      await expect(scheduler.enqueue({ task: echo })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

      const opened = scheduler.waitFor('store.opened');
      await proxy.up();
      await opened;
      const job = await scheduler.enqueue({ task: echo });
      await scheduler.waitFor('job.succeeded', (event) => event.job.id === job.id);
      expect(ran).toEqual([job.id]);
      expect(scheduler.health().ready).toBe(true);
    } finally {
      await scheduler.stop();
      await proxy.down();
    }
  });
});
