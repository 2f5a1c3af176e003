import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { latestSchemaVersion } from '../../src/sqlite/migrations.ts';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-upgrade-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const migration = (name: string) => readFileSync(new URL(`../../src/sqlite/migrations/${name}`, import.meta.url), 'utf8');
const schema1 = migration('0001_init.sql');

describe('SqliteStore schema upgrade', () => {
  test('the latest schema is 9', () => {
    expect(latestSchemaVersion()).toBe(9);
  });

  test('a file at schema 1 upgrades to the latest and keeps its jobs; nodes, the change feed and claims by task work', async () => {
    const path = join(directory, 'v1.db');
    const db = new DatabaseSync(path);
    db.exec(schema1);
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '1')`);
    db.exec(`INSERT INTO jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts)
      VALUES ('job-old', 'task-a', 'null', 'enqueue', 'queued', 0, 5, 5, 7, 1)`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    expect((await store.getJob('job-old'))?.updatedAtMs).toBe(7);
    expect((await store.listJobs({ updatedAfterMs: 6 })).map((j) => j.id)).toEqual(['job-old']);
    const node = {
      id: 'node-1',
      hostname: 'h',
      pid: 1,
      roles: { schedules: true, jobs: true },
      tasks: ['task-a'],
      concurrency: 1,
      running: 0,
      startedAtMs: 1,
      lastSeenAtMs: 2,
      version: '0.0.0',
      clusterEvents: ['job.succeeded'],
    };
    await store.upsertNode(node);
    expect(await store.listNodes()).toEqual([node]);
    expect(await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-b'] })).toEqual([]);
    expect((await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-a'] })).map((j) => j.id)).toEqual(['job-old']);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    const indexes = check.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'jobs'`).all().map((r) => r.name);
    expect(indexes).toContain('jobs_updated');
    expect(indexes).toContain('jobs_claim_task');
    expect(indexes).not.toContain('jobs_claim');
    // The change feed is a range scan of the new index, not a table scan.
    const plan = (sql: string) =>
      check
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => String(r.detail))
        .join('\n');
    expect(plan('SELECT * FROM jobs WHERE updated_at_ms > 1 ORDER BY updated_at_ms, id LIMIT 10')).toContain('jobs_updated');
    check.close();
  });

  test('a file at schema 3 upgrades to the latest: a running job keeps its attempt (now in columns), and reservations work', async () => {
    const path = join(directory, 'v3.db');
    const db = new DatabaseSync(path);
    for (const name of ['0001_init.sql', '0002_nodes_and_feed.sql', '0003_claim_by_task.sql']) db.exec(migration(name));
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '3')`);
    // As schema 3 wrote them: a running job's open attempt is the last record of `attempts`.
    const finished = { attempt: 1, nodeId: 'node-old', fencingToken: 1, startedAtMs: 10, finishedAtMs: 20, outcome: 'failed', error: { name: 'E', message: 'x' } };
    const open = { attempt: 2, nodeId: 'node-old', fencingToken: 2, startedAtMs: 30, finishedAtMs: null, outcome: 'running', error: null };
    db.prepare(
      `INSERT INTO jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, started_at_ms, attempt,
         max_attempts, lease_owner, lease_expires_at_ms, fencing_token, error, attempts)
       VALUES ('job-running', 'task-a', '{"n":1}', 'enqueue', 'running', 0, 5, 5, 30, 10, 2, 3, 'node-old', 1030, 2, ?, ?)`,
    ).run(JSON.stringify(finished.error), JSON.stringify([finished, open]));
    db.exec(`INSERT INTO jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts, dedupe_key)
      VALUES ('job-later', 'task-a', 'null', 'enqueue', 'queued', 0, 2000, 5, 5, 1, 'k')`);
    db.exec(`INSERT INTO schedules (id, task, data, trigger_spec, priority, coalesce_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-1', 'task-a', 'null', '{"type":"date","runAtMs":3000}', 0, 'latest', 0, 3000, 1, 1)`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    const running = await store.getJob('job-running');
    expect(running?.attempts).toEqual([finished, open]);
    expect(running?.status).toBe('running');
    expect(await store.findExpiredLeases({ nowMs: 1030, limit: 5 })).toMatchObject([{ id: 'job-running' }]);
    expect(await store.completeJobs([{ jobId: 'job-running', fencingToken: 2, nowMs: 40, completion: { status: 'succeeded', result: 'ok' } }])).toEqual([
      { jobId: 'job-running', completed: true },
    ]);
    expect((await store.getJob('job-running'))?.attempts).toEqual([finished, { ...open, finishedAtMs: 40, outcome: 'succeeded' }]);

    // The queued job is reserved ahead; its dedupe key still blocks a second job while it is reserved.
    const [reserved] = await store.claimJobs({ nodeId: 'n', nowMs: 1000, leaseMs: 500, limit: 5, tasks: ['task-a'], aheadMs: 1500, aheadLimit: 5 });
    expect([reserved?.id, reserved?.status, reserved?.leaseExpiresAtMs]).toEqual(['job-later', 'reserved', 2500]);
    const [dup] = await store.enqueueJobs([
      { id: 'job-dup', task: 'task-a', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 0, maxAttempts: 1, dedupeKey: 'k', createdAtMs: 1000 },
    ]);
    expect(dup?.created === false && dup.job.id).toBe('job-later');
    expect(await store.nextWakeAtMs()).toBe(2500);

    // A schedule's fires reserved at release, deleted by a pause.
    const [acquired] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: 1000, leaseMs: 500, limit: 1, horizonMs: 2000 });
    expect(acquired?.schedule.id).toBe('sched-1');
    const [released] = await store.releaseSchedules([
      {
        scheduleId: 'sched-1',
        leaseToken: acquired!.leaseToken,
        nowMs: 1000,
        nextFireAtMs: null,
        lastFireAtMs: 3000,
        jobs: [{ id: 'fire-1', task: 'task-a', data: null, origin: 'schedule', scheduleId: 'sched-1', fireAtMs: 3000, priority: 0, runAtMs: 3000, maxAttempts: 1, dedupeKey: null, createdAtMs: 1000 }],
        skipped: 0,
        missed: 0,
        end: false,
        reserve: { nodeId: 'n', leaseMs: 500 },
      },
    ]);
    expect(released?.created.map((job) => [job.id, job.status])).toEqual([['fire-1', 'reserved']]);
    const paused = await store.updateSchedule('sched-1', { paused: true }, 1100);
    expect([paused?.nextFireAtMs, paused?.firedCount]).toEqual([3000, 0]);
    expect(await store.getJob('fire-1')).toBeNull();
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    const indexes = check.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'jobs'`).all().map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['jobs_ahead_task', 'jobs_lease_expiry', 'jobs_dedupe', 'jobs_schedule_active']));
    expect(indexes).not.toContain('jobs_pending_run_at');
    const plan = (sql: string) =>
      check
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => String(r.detail))
        .join('\n');
    // Due schedules come in acquisition order straight from the index, however many share an instant.
    const due = plan('SELECT id FROM schedules WHERE paused = 0 AND next_fire_at_ms <= 5 ORDER BY next_fire_at_ms, id LIMIT 100');
    expect(due).toContain('schedules_due');
    expect(due).not.toContain('TEMP B-TREE');
    check.close();
  });

  test('a file at schema 4 upgrades to the latest: its nodes listen to no events, and elections and the event log start empty', async () => {
    const path = join(directory, 'v4.db');
    const db = new DatabaseSync(path);
    for (const name of ['0001_init.sql', '0002_nodes_and_feed.sql', '0003_claim_by_task.sql', '0004_reservations.sql']) db.exec(migration(name));
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '4')`);
    db.exec(`INSERT INTO nodes (id, hostname, pid, role_schedules, role_jobs, tasks, concurrency, running, started_at_ms, last_seen_at_ms, version)
      VALUES ('node-old', 'h', 1, 1, 1, '["task-a"]', 4, 0, 1, 2, '0.0.0')`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    expect((await store.listNodes()).map((n) => [n.id, n.clusterEvents])).toEqual([['node-old', []]]);
    expect(await store.listLeaders()).toEqual([]);
    expect(await store.eventCursor()).toBe(0);
    expect(await store.readEvents({ afterSeq: 0, limit: 10 })).toEqual({ events: [], trimmedThroughSeq: 0 });
    expect((await store.acquireLeadership({ name: 'e', nodeId: 'node-old', nowMs: 5, leaseMs: 100, observedVersion: null })).term).toBe(1);
    await store.appendEvents([{ type: 'job.succeeded', nodeId: 'node-old', atMs: 5, data: { jobId: 'j' } }]);
    expect(await store.eventCursor()).toBe(1);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    check.close();
  });

  test('a file at schema 5 upgrades to the latest: its jobs and schedules have no trace context (the field absent), new writes keep theirs', async () => {
    const path = join(directory, 'v5.db');
    const db = new DatabaseSync(path);
    for (const name of ['0001_init.sql', '0002_nodes_and_feed.sql', '0003_claim_by_task.sql', '0004_reservations.sql', '0005_leaders_and_events.sql']) {
      db.exec(migration(name));
    }
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '5')`);
    db.exec(`INSERT INTO jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts)
      VALUES ('job-old', 'task-a', 'null', 'enqueue', 'queued', 0, 5, 5, 5, 1)`);
    db.exec(`INSERT INTO schedules (id, task, data, trigger_spec, priority, coalesce_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('sched-old', 'task-a', 'null', '{"type":"date","runAtMs":3000}', 0, 'latest', 0, 3000, 1, 1)`);
    db.close();

    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const store = new SqliteStore(path);
    await store.open();
    expect('traceContext' in ((await store.getJob('job-old')) ?? {})).toBe(false);
    expect('traceContext' in ((await store.getSchedule('sched-old')) ?? {})).toBe(false);
    await store.enqueueJobs([
      { id: 'job-new', task: 'task-a', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 5, maxAttempts: 1, dedupeKey: null, createdAtMs: 6, traceContext: traceparent },
    ]);
    const claimed = await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-a'] });
    expect(claimed.map((job) => [job.id, 'traceContext' in job, job.traceContext])).toEqual([
      ['job-old', false, undefined],
      ['job-new', true, traceparent],
    ]);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    for (const table of ['jobs', 'schedules']) {
      const column = check.prepare(`SELECT type, "notnull", dflt_value FROM pragma_table_info(?) WHERE name = 'trace_context'`).get(table);
      expect(column, table).toEqual({ type: 'TEXT', notnull: 0, dflt_value: null });
    }
    check.close();
  });

  test('a file at schema 6 upgrades to 7: its jobs have no parents (the fields absent) and keep their dedupe keys; flows and gates work', async () => {
    const path = join(directory, 'v6.db');
    const db = new DatabaseSync(path);
    for (let version = 1; version <= 6; version++) {
      const name = readdirSync(new URL('../../src/sqlite/migrations/', import.meta.url)).find((file) => file.startsWith(`000${version}_`));
      db.exec(migration(name!));
    }
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '6')`);
    db.exec(`INSERT INTO jobs (id, task, data, origin, status, priority, run_at_ms, created_at_ms, updated_at_ms, max_attempts, dedupe_key)
      VALUES ('job-old', 'task-a', 'null', 'enqueue', 'queued', 0, 5, 5, 5, 1, 'k')`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    const old = await store.getJob('job-old');
    expect(['parents' in old!, 'onParentFailure' in old!, old?.unreadable]).toEqual([false, false, undefined]);
    const newJob = (id: string, extra: object) => ({
      id, task: 'task-a', data: null, origin: 'enqueue' as const, scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 5, maxAttempts: 1, dedupeKey: null, createdAtMs: 6, ...extra,
    });
    const [dup, child] = await store.enqueueJobs([newJob('job-dup', { dedupeKey: 'k' }), newJob('job-child', { parents: ['job-old'], dedupeKey: 'c' })]);
    expect(dup?.created === false && dup.job.id).toBe('job-old');
    expect(child?.job).toMatchObject({ status: 'waiting', parents: ['job-old'], onParentFailure: 'fail' });
    // A waiting job holds its dedupe key (it is not final).
    const [blocked] = await store.enqueueJobs([newJob('job-dup-2', { dedupeKey: 'c' })]);
    expect(blocked?.created === false && blocked.job.id).toBe('job-child');
    const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-a'] });
    expect(claimed?.id).toBe('job-old');
    await store.completeJobs([{ jobId: 'job-old', fencingToken: claimed!.fencingToken, nowMs: 20, completion: { status: 'succeeded', result: null } }]);
    expect((await store.getJob('job-child'))?.status).toBe('queued');
    expect(await store.writeBreaker({ task: 'task-a', expectedVersion: 0, state: 'closed', forced: null, changedAtMs: 1, openUntilMs: null, probeOwner: null, probeUntilMs: null, clearCalls: false })).toBe(true);
    expect(await store.takeRateTokens([{ key: 'r', nowMs: 0, intervalMs: 10, burst: 1, want: 2 }])).toEqual([{ key: 'r', granted: 1, retryAtMs: 10 }]);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe(String(latestSchemaVersion()));
    const tables = check.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['job_edges', 'breakers', 'breaker_calls', 'rate_limits']));
    check.close();
  });

  test('a file at schema 7 upgrades to the latest: its schedules get catchUpLimit 1000, and a new write stores its own', async () => {
    const path = join(directory, 'v7.db');
    const db = new DatabaseSync(path);
    for (let version = 1; version <= 7; version++) {
      const name = readdirSync(new URL('../../src/sqlite/migrations/', import.meta.url)).find((file) => file.startsWith(`000${version}_`));
      db.exec(migration(name!));
    }
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '7')`);
    db.exec(`INSERT INTO schedules (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy, paused,
        next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('old', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":null,"endAtMs":null,"jitterMs":0}', 0, 1, NULL, 'latest', 0, 10, 5, 5)`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    const old = await store.getSchedule('old');
    expect([old?.catchUpLimit, old?.unreadable]).toEqual([1000, undefined]);
    const written = await store.upsertSchedule({
      id: 'old', task: 'task-a', data: null, trigger: old!.trigger, priority: 0, maxRunning: 1, misfireGraceMs: null, coalesce: 'latest',
      catchUpLimit: 5, paused: null, nextFireAtMs: 10, keepNextFire: true, nowMs: 6,
    });
    expect(written.catchUpLimit).toBe(5);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe('9');
    expect(check.prepare(`SELECT catch_up_limit FROM schedules WHERE id = 'old'`).get()?.catch_up_limit).toBe(5);
    check.close();
  });

  test("a file at schema 8 upgrades to 9: its schedules get overlap 'skip', and a new write stores its own", async () => {
    const path = join(directory, 'v8.db');
    const db = new DatabaseSync(path);
    for (let version = 1; version <= 8; version++) {
      const name = readdirSync(new URL('../../src/sqlite/migrations/', import.meta.url)).find((file) => file.startsWith(`000${version}_`));
      db.exec(migration(name!));
    }
    db.exec(`INSERT INTO sundial_meta (key, value) VALUES ('schema_version', '8')`);
    db.exec(`INSERT INTO schedules (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy, catch_up_limit, paused,
        next_fire_at_ms, created_at_ms, updated_at_ms)
      VALUES ('old', 'task-a', 'null', '{"type":"interval","everyMs":1000,"startAtMs":null,"endAtMs":null,"jitterMs":0}', 0, 1, NULL, 'latest', 7, 0, 10, 5, 5)`);
    db.close();

    const store = new SqliteStore(path);
    await store.open();
    const old = await store.getSchedule('old');
    expect([old?.overlap, old?.catchUpLimit, old?.unreadable]).toEqual(['skip', 7, undefined]);
    const written = await store.upsertSchedule({
      id: 'old', task: 'task-a', data: null, trigger: old!.trigger, priority: 0, maxRunning: 1, misfireGraceMs: null, coalesce: 'latest',
      catchUpLimit: 7, overlap: 'cancelOther', paused: null, nextFireAtMs: 10, keepNextFire: true, nowMs: 6,
    });
    expect(written.overlap).toBe('cancelOther');
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe('9');
    expect(check.prepare(`SELECT overlap_policy FROM schedules WHERE id = 'old'`).get()?.overlap_policy).toBe('cancelOther');
    check.close();
  });

  test('a file with its own nodes table (and no marker) is refused', async () => {
    const path = join(directory, 'other.db');
    const db = new DatabaseSync(path);
    db.exec('CREATE TABLE nodes (id INTEGER PRIMARY KEY)');
    db.close();
    const store = new SqliteStore(path);
    await expect(store.open()).rejects.toThrow(/tables named nodes/);
    await store.close();
  });
});
