import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const schema1 = readFileSync(new URL('../../src/sqlite/migrations/0001_init.sql', import.meta.url), 'utf8');

describe('SqliteStore schema upgrade', () => {
  test('the latest schema is 3', () => {
    expect(latestSchemaVersion()).toBe(3);
  });

  test('a file at schema 1 upgrades to 3 and keeps its jobs; nodes, the change feed and claims by task work', async () => {
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
    };
    await store.upsertNode(node);
    expect(await store.listNodes()).toEqual([node]);
    expect(await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-b'] })).toEqual([]);
    expect((await store.claimJobs({ nodeId: 'n', nowMs: 10, leaseMs: 1000, limit: 5, tasks: ['task-a'] })).map((j) => j.id)).toEqual(['job-old']);
    await store.close();

    const check = new DatabaseSync(path, { readOnly: true });
    expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'schema_version'`).get()?.value).toBe('3');
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
