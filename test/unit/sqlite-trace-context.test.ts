import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { NewJob } from '../../src/domain/job.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, suiteTasks, t0 } from '../../src/testing/conformance/fixtures.ts';

// The SQLite paths of the trace context the conformance suite does not reach one by one: the
// multi-row bulk INSERT (parameters by position), the one-by-one INSERT of jobs with a fire or a
// dedupe key, a queued (not reserved) release, the change feed, expired leases, cancel and retry,
// another connection's claim, and an empty string stored as none.

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const withState = `${traceparent}\nvendor1=opaque,vendor2=x`;

let directory: string;
let path: string;
let store: SqliteStore;
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-trace-'));
  path = join(directory, 'store.db');
  store = new SqliteStore(path, { watchIntervalMs: 0 });
  await store.open();
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The raw column, read through a connection of its own. */
function storedColumn(table: 'jobs' | 'schedules', id: string): unknown {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(`SELECT trace_context FROM ${table} WHERE id = ?`).get(id)?.trace_context;
  } finally {
    db.close();
  }
}

describe('SqliteStore trace context', () => {
  test('a bulk enqueue keeps each job its own, by position, across chunks of the multi-row INSERT', async () => {
    // 300 plain jobs: chunks of 128, 128, 32, 8, 4; every third one with a trace context, one with an empty string.
    const context = (i: number) => (i % 3 === 0 ? `${traceparent}\nn=${i}` : i % 3 === 1 ? null : undefined);
    const jobs: NewJob[] = Array.from({ length: 300 }, (_, i) => {
      const id = `job-${String(i).padStart(3, '0')}`;
      const tc = context(i);
      return newJob(id, { data: { i }, ...(tc === undefined ? {} : { traceContext: tc }) });
    });
    jobs[1] = newJob('job-001', { data: { i: 1 }, traceContext: '' });
    expect((await store.enqueueJobs(jobs)).every((r) => r.created)).toBe(true);
    const listed = await store.listJobs({ limit: 1000 });
    expect(listed).toHaveLength(300);
    for (const job of listed) {
      const i = (job.data as { i: number }).i;
      expect(job.id).toBe(`job-${String(i).padStart(3, '0')}`);
      if (i % 3 === 0) expect(job.traceContext).toBe(`${traceparent}\nn=${i}`);
      else expect('traceContext' in job, job.id).toBe(false);
    }
    expect(storedColumn('jobs', 'job-001')).toBeNull();
    const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 300, tasks: suiteTasks });
    expect(claimed).toHaveLength(300);
    for (const job of claimed) {
      const i = Number(job.id.slice(4));
      expect(job.traceContext, job.id).toBe(i % 3 === 0 ? `${traceparent}\nn=${i}` : undefined);
      if (i % 3 !== 0) expect('traceContext' in job, job.id).toBe(false);
    }
  });

  test('jobs inserted one by one (dedupe key, fire instant) keep it; a blocked enqueue answers the standing job with it', async () => {
    const [first, second, blocked] = await store.enqueueJobs([
      newJob('job-d', { dedupeKey: 'k', traceContext: withState }),
      newJob('job-e', { dedupeKey: 'other', traceContext: '' }),
      newJob('job-d2', { dedupeKey: 'k', traceContext: traceparent }),
    ]);
    expect([first?.created, second?.created, blocked?.created]).toEqual([true, true, false]);
    expect(blocked?.created === false && blocked.job.traceContext).toBe(withState);
    expect((await store.getJob('job-d'))?.traceContext).toBe(withState);
    expect('traceContext' in ((await store.getJob('job-e')) ?? {})).toBe(false);
    expect(storedColumn('jobs', 'job-e')).toBeNull();
  });

  test('the change feed, expired leases, cancel and retry carry it; a claim by another connection too', async () => {
    await store.enqueueJobs([newJob('job-1', { traceContext: withState }), newJob('job-2')]);
    const feed = await store.listJobs({ updatedAfterMs: t0 - 1 });
    expect(feed.map((job) => [job.id, job.traceContext])).toEqual([
      ['job-1', withState],
      ['job-2', undefined],
    ]);
    expect('traceContext' in feed[1]!).toBe(false);

    const peer = new SqliteStore(path, { watchIntervalMs: 0 });
    await peer.open();
    try {
      const claimed = await peer.claimJobs({ nodeId: 'peer', nowMs: t0, leaseMs, limit: 5, tasks: suiteTasks });
      expect(claimed.map((job) => [job.id, job.traceContext])).toEqual([
        ['job-1', withState],
        ['job-2', undefined],
      ]);
    } finally {
      await peer.close();
    }
    const expired = await store.findExpiredLeases({ nowMs: t0 + leaseMs, limit: 5 });
    expect(expired.map((job) => [job.id, job.traceContext])).toEqual([
      ['job-1', withState],
      ['job-2', undefined],
    ]);
    const cancelled = await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 1, reason: 'r' }); // running: cancel requested
    expect(cancelled?.traceContext).toBe(withState);
    await store.enqueueJobs([newJob('job-3', { traceContext: traceparent })]);
    expect((await store.cancelJob({ jobId: 'job-3', nowMs: t0 + 2, reason: 'r' }))?.traceContext).toBe(traceparent);
    expect((await store.retryJob({ jobId: 'job-3', nowMs: t0 + 3 }))?.traceContext).toBe(traceparent);
    expect((await store.listJobs({ updatedAfterMs: t0 + 2 })).map((job) => [job.id, job.status, job.traceContext])).toEqual([
      ['job-3', 'queued', traceparent],
    ]);
  });

  test('a queued release hands its jobs out with their trace context; an empty one is stored as none', async () => {
    await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0, traceContext: withState }));
    const [acquired] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 5 });
    const [released] = await store.releaseSchedules([
      releaseRequest('s-1', acquired!.leaseToken, {
        jobs: [fireJob('fire-1', 's-1', t0, { traceContext: withState }), fireJob('fire-2', 's-1', t0 + 1, { traceContext: '' })],
      }),
    ]);
    expect(released?.created.map((job) => [job.id, job.status, 'traceContext' in job, job.traceContext])).toEqual([
      ['fire-1', 'queued', true, withState],
      ['fire-2', 'queued', false, undefined],
    ]);
    expect(storedColumn('jobs', 'fire-2')).toBeNull();
    const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0 + 1, leaseMs, limit: 5, tasks: suiteTasks });
    expect(claimed.map((job) => [job.id, job.traceContext])).toEqual([
      ['fire-1', withState],
      ['fire-2', undefined],
    ]);
  });

  test('schedules: a batch upsert keeps each its own, a patch keeps it, an empty one clears it', async () => {
    const [a, b] = await store.upsertSchedules([scheduleWrite('s-a', { traceContext: traceparent }), scheduleWrite('s-b')]);
    expect([a?.traceContext, 'traceContext' in (b ?? {})]).toEqual([traceparent, false]);
    expect((await store.updateSchedule('s-a', { paused: true }, t0))?.traceContext).toBe(traceparent);
    expect((await store.updateSchedule('s-a', { paused: false, nextFireAtMs: t0 + 5 }, t0))?.traceContext).toBe(traceparent);
    const cleared = await store.upsertSchedule(scheduleWrite('s-a', { traceContext: '' }));
    expect('traceContext' in cleared).toBe(false);
    expect(storedColumn('schedules', 's-a')).toBeNull();
  });
});
