// The trace context in the PostgreSQL store (schema 9) beyond the conformance suite: the
// statements only this store has (a cancellation or an operator's retry moving a job between
// `jobs` and `job_history`, a release given back, a collision answered by the job it hit, an
// expired lease, a schedule patch), what the columns hold, and the upgrade from schema 8 with
// the previous version's enqueue call.
import { afterAll, describe, expect, test } from 'vitest';
import { PostgresStore, migrate } from '../../src/postgres/index.ts';
import { loadMigrations } from '../../src/postgres/migrations.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0 } from '../../src/testing/conformance/index.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';

const available = await requirePostgres('test/integration/postgres-trace-context.test.ts');
const admin = adminPool();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(admin, schema);
  await admin.end();
});

function freshSchema(): string {
  const schema = randomSchema('sundial_trace');
  schemas.push(schema);
  return schema;
}

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const withState = `${traceparent}\nvendor1=opaque,vendor2=x`;
const tasks = ['task-a'];

async function stored(schema: string, table: string): Promise<Array<[string, string | null]>> {
  const result = await admin.query(`SELECT id, trace_context FROM "${schema}".${table} ORDER BY id`);
  return result.rows.map((row) => [row.id as string, row.trace_context as string | null]);
}

describe.skipIf(!available)('trace context (PostgreSQL, schema 9)', () => {
  test('cancellation, an operator retry, a release given back and an expired lease keep it; a collision answers it', async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ poolConfig: pgEnv, schema });
    await store.open();
    try {
      await store.enqueueJobs([
        newJob('job-cancel', { traceContext: withState }),
        newJob('job-run', { traceContext: traceparent, runAtMs: t0 }),
        newJob('job-plain', { traceContext: '' }),
      ]);
      // None and empty are stored as NULL; only a batch with one sends the array.
      expect(await stored(schema, 'jobs')).toEqual([['job-cancel', withState], ['job-plain', null], ['job-run', traceparent]]);

      // Cancelled while queued: it moves into the history with its trace context.
      expect((await store.cancelJob({ jobId: 'job-cancel', nowMs: t0 + 1, reason: 'stop' }))?.traceContext).toBe(withState);
      expect(await stored(schema, 'job_history')).toEqual([['job-cancel', withState]]);
      // An operator's retry moves it back, still with it; a colliding enqueue answers it.
      expect((await store.retryJob({ jobId: 'job-cancel', nowMs: t0 + 2 }))?.traceContext).toBe(withState);
      const [collision] = await store.enqueueJobs([newJob('job-cancel', { traceContext: traceparent })]);
      expect(collision?.created === false && collision.job.traceContext).toBe(withState);

      const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: t0 + 3, leaseMs, limit: 3, tasks });
      expect(Object.fromEntries(claimed.map((job) => [job.id, job.traceContext]))).toEqual({ 'job-cancel': withState, 'job-run': traceparent, 'job-plain': undefined });
      expect('traceContext' in claimed.find((job) => job.id === 'job-plain')!).toBe(false);
      // Cancelling a running job only flags it.
      expect((await store.cancelJob({ jobId: 'job-run', nowMs: t0 + 4, reason: 'stop' }))?.traceContext).toBe(traceparent);
      // An expired lease is found with it.
      const expired = await store.findExpiredLeases({ nowMs: t0 + 3 + leaseMs, limit: 10 });
      expect(Object.fromEntries(expired.map((job) => [job.id, job.traceContext]))).toEqual({ 'job-cancel': withState, 'job-run': traceparent, 'job-plain': undefined });
      // Given back, then made final: kept in place, then in the history.
      const running = claimed.find((job) => job.id === 'job-cancel')!;
      const [given] = await store.completeJobs([{ jobId: running.id, fencingToken: running.fencingToken, nowMs: t0 + 5, completion: { status: 'released' } }]);
      expect(given?.completed).toBe(true);
      const { claimed: again } = await store.completeAndClaim({ completions: [], claim: { nodeId: 'node-b', nowMs: t0 + 6, leaseMs, limit: 1, tasks } });
      expect([again[0]?.id, again[0]?.traceContext]).toEqual(['job-cancel', withState]);
      await store.completeJobs([{ jobId: again[0]!.id, fencingToken: again[0]!.fencingToken, nowMs: t0 + 7, completion: { status: 'dead', error: { name: 'E', message: 'm' } } }]);
      expect(await stored(schema, 'job_history')).toEqual([['job-cancel', withState]]);
      expect((await store.listJobs({ status: 'dead' })).map((job) => job.traceContext)).toEqual([withState]);
      expect((await store.listJobs({ updatedAfterMs: t0 + 6 })).map((job) => [job.id, job.traceContext])).toEqual([['job-cancel', withState]]);
    } finally {
      await store.close();
    }
  });

  test("a schedule's trace context survives a patch and its acquisition; a reserving release's jobs carry their own", async () => {
    const schema = freshSchema();
    const store = new PostgresStore({ poolConfig: pgEnv, schema });
    await store.open();
    try {
      await store.upsertSchedules([scheduleWrite('s-1', { traceContext: withState }), scheduleWrite('s-2', { traceContext: '' })]);
      expect(await stored(schema, 'schedules')).toEqual([['s-1', withState], ['s-2', null]]);
      expect((await store.updateSchedule('s-1', { paused: true }, t0))?.traceContext).toBe(withState);
      await store.updateSchedule('s-1', { paused: false }, t0);
      const acquired = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 5 });
      expect(acquired.map((a) => [a.schedule.id, a.schedule.traceContext])).toEqual([['s-1', withState], ['s-2', undefined]]);
      const [one, two] = acquired;
      const released = await store.releaseSchedules([
        releaseRequest('s-1', one!.leaseToken, { jobs: [fireJob('fire-1', 's-1', t0 + 500, { traceContext: withState })], reserve: { nodeId: 'node-a', leaseMs } }),
        releaseRequest('s-2', two!.leaseToken, { jobs: [fireJob('fire-2', 's-2', t0)] }),
      ]);
      expect(released.map((r) => r.created.map((job) => [job.id, job.status, job.traceContext]))).toEqual([
        [['fire-1', 'reserved', withState]], [['fire-2', 'queued', undefined]],
      ]);
      expect('traceContext' in released[1]!.created[0]!).toBe(false);
      // The reservation, started by a renewal, is running with it.
      const [renewed] = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 500, leaseMs, leases: [{ jobId: 'fire-1', fencingToken: released[0]!.created[0]!.fencingToken, startedAtMs: t0 + 500 }] });
      expect(renewed?.held).toBe(true);
      expect([(await store.getJob('fire-1'))?.status, (await store.getJob('fire-1'))?.traceContext]).toEqual(['running', withState]);
    } finally {
      await store.close();
    }
  });

  test('a schema at version 8 with data is upgraded: its jobs and schedules have none, and the previous enqueue call still works', async () => {
    const schema = freshSchema();
    const eight = loadMigrations().slice(0, 8);
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${eight.map((migration) => migration.sql).join(';\n')}; RESET search_path`);
    await admin.query(`CREATE TABLE "${schema}".sundial_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of eight) {
      await admin.query(`INSERT INTO "${schema}".sundial_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    const store = new PostgresStore({ poolConfig: pgEnv, schema, migrate: false });
    // What schema 8 kept: a queued job, a finished one and a schedule, written by the store of
    // the time (the same statements but for the trace context, which it did not know).
    await admin.query(`SELECT "${schema}".enqueue_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
      ['job-old', 'job-done'], ['task-a', 'task-a'], [null, null], ['enqueue', 'enqueue'], [null, null], [null, null], [0, 0], [t0, t0], [t0, t0], [3, 3], [null, null], schema,
    ]);
    await admin.query(`UPDATE "${schema}".jobs SET status = 'running', attempt = 1, fencing_token = 1, lease_owner = 'n', lease_expires_at_ms = $1 WHERE id = 'job-done'`, [t0 + leaseMs]);
    await admin.query(`SELECT "${schema}".complete_jobs($1::jsonb, ARRAY['job-done'], $2)`, [
      JSON.stringify([{ i: 0, job_id: 'job-done', fencing_token: 1, now_ms: t0 + 1, kind: 'succeeded', result: null, outcome: 'succeeded', end_schedule: false }]), schema,
    ]);
    await admin.query(`SELECT "${schema}".upsert_schedules($1::jsonb, $2)`, [JSON.stringify([{
      i: 0, id: 's-old', task: 'task-a', data: null, trigger_spec: { type: 'interval', everyMs: 60_000, startAtMs: null, endAtMs: null, jitterMs: 0 },
      priority: 0, max_running: null, misfire_grace_ms: null, coalesce_policy: 'latest', paused: false, next_fire_at_ms: t0, now_ms: t0, keep_next_fire: false,
    }]), schema]);

    expect(await migrate({ poolConfig: pgEnv, schema })).toEqual({ fromVersion: 8, toVersion: loadMigrations().length, applied: loadMigrations().slice(8).map((m) => m.name) });
    await store.open();
    try {
      for (const id of ['job-old', 'job-done']) expect('traceContext' in (await store.getJob(id))!).toBe(false);
      expect((await store.getJob('job-done'))?.status).toBe('succeeded');
      expect('traceContext' in (await store.getSchedule('s-old'))!).toBe(false);
      // The previous version's twelve-argument enqueue resolves to the new function.
      await admin.query(`SELECT "${schema}".enqueue_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        ['job-prev'], ['task-a'], ['{"n":1}'], ['enqueue'], [null], [null], [0], [t0], [t0], [3], [null], schema,
      ]);
      await store.enqueueJobs([newJob('job-new', { traceContext: traceparent })]);
      const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 5, tasks });
      expect(claimed.map((job) => [job.id, job.traceContext]).sort()).toEqual([['job-new', traceparent], ['job-old', undefined], ['job-prev', undefined]]);
    } finally {
      await store.close();
    }
  });
});
