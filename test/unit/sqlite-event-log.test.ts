import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { ClusterEventWrite, StoreSignal } from '../../src/store/store.ts';

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-events-'));
  path = join(directory, 'store.db');
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const event = (type: string, atMs = 100): ClusterEventWrite => ({ type, nodeId: 'node-a', atMs, data: { type } });

test('an event whose data is not JSON is answered flagged unreadable, and the others are read as usual', async () => {
  const store = new SqliteStore(path);
  await store.open();
  await store.appendEvents([event('a'), event('b'), event('c')]);
  const db = new DatabaseSync(path);
  db.exec(`UPDATE events SET data = '{garbage' WHERE type = 'b'`);
  db.close();
  const { events } = await store.readEvents({ afterSeq: 0, limit: 10 });
  expect(events.map((e) => [e.type, e.data, e.unreadable])).toEqual([
    ['a', { type: 'a' }, undefined],
    ['b', null, true],
    ['c', { type: 'c' }, undefined],
  ]);
  await store.close();
});

test('the trim mark is stored as integer text, only ever rises, and a trim by age is an index range', async () => {
  const store = new SqliteStore(path);
  await store.open();
  await store.appendEvents([event('a', 10), event('b', 20), event('c', 5)]);
  // atMs is each node's clock: the trim by age need not cut a prefix of the log.
  expect(await store.trimEvents({ beforeMs: 8 })).toBe(1);
  expect((await store.readEvents({ afterSeq: 0, limit: 10 })).trimmedThroughSeq).toBe(3);
  expect(await store.trimEvents({ beforeMs: 15 })).toBe(1);
  expect((await store.readEvents({ afterSeq: 0, limit: 10 })).trimmedThroughSeq).toBe(3);
  await store.close();
  const check = new DatabaseSync(path, { readOnly: true });
  expect(check.prepare(`SELECT value FROM sundial_meta WHERE key = 'events_trimmed_through_seq'`).get()?.value).toBe('3');
  const plan = check
    .prepare(`EXPLAIN QUERY PLAN DELETE FROM events WHERE at_ms < 5`)
    .all()
    .map((r) => String(r.detail))
    .join('\n');
  expect(plan).toContain('events_at');
  check.close();
});

test('keepLast counts the newest of the whole log, then the trim by age applies to what is left', async () => {
  const store = new SqliteStore(path);
  await store.open();
  // The newest event is also the oldest by its node's clock: both rules together delete everything.
  await store.appendEvents([event('a', 50), event('b', 5)]);
  expect(await store.trimEvents({ beforeMs: 10, keepLast: 1 })).toBe(2);
  expect(await store.readEvents({ afterSeq: 0, limit: 10 })).toEqual({ events: [], trimmedThroughSeq: 2 });
  expect(await store.eventCursor()).toBe(2);
  await store.close();
});

test('another process’s append is signalled events (and jobs); a commit that appends nothing only jobs', async () => {
  const watching = new SqliteStore(path, { watchIntervalMs: 10 });
  const writing = new SqliteStore(path);
  await watching.open();
  await writing.open();
  const signals: StoreSignal[] = [];
  const unsubscribe = watching.subscribe((signal) => signals.push(signal));
  const settle = async () => {
    const deadline = Date.now() + 2_000;
    while (signals.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    return signals.splice(0);
  };
  await writing.upsertNode({
    id: 'node-b',
    hostname: 'h',
    pid: 1,
    roles: { schedules: true, jobs: true },
    tasks: [],
    concurrency: 1,
    running: 0,
    startedAtMs: 1,
    lastSeenAtMs: 2,
    version: '0.0.0',
    clusterEvents: ['job.succeeded'],
  });
  expect(await settle()).toEqual(['jobs']);
  await writing.appendEvents([event('wake.me')]);
  expect(await settle()).toEqual(['jobs', 'events']);
  unsubscribe();
  await Promise.all([watching.close(), writing.close()]);
});
