import { describe, expect, it } from 'vitest';
import { idTimeMs } from '../../../src/domain/ids.ts';
import type { NewJob } from '../../../src/domain/job.ts';
import { CorruptRecordError } from '../../../src/errors.ts';
import type { ScheduleRecord } from '../../../src/domain/schedule.ts';
import { SchedulerEventEmitter, type SchedulerEventName } from '../../../src/runtime/events.ts';
import { corruptRecordError } from '../../../src/runtime/quarantine.ts';
import { fireDueSchedules } from '../../../src/runtime/schedule-firer.ts';
import type { AcquireSchedulesRequest, ClaimedJob, ReleaseScheduleRequest, Store } from '../../../src/store/store.ts';
import { TaskRegistry } from '../../../src/tasks/task-registry.ts';
import { task } from '../../../src/tasks/task.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';
import { at } from '../../../src/triggers/at.ts';
import { every } from '../../../src/triggers/every.ts';
import { jitterOffsetMs } from '../../../src/triggers/next-fire.ts';

const t0 = Date.UTC(2026, 0, 1);
const minute = 60_000;

function schedule(patch: Partial<ScheduleRecord>): ScheduleRecord {
  return {
    id: 's1', task: 'report', data: { region: 'eu' }, trigger: every('1m', { startAt: t0 }), priority: 7, maxRunning: null,
    misfireGraceMs: null, coalesce: 'all', catchUpLimit: 1000, overlap: 'skip', paused: false, nextFireAtMs: t0, lastFireAtMs: null, createdAtMs: t0, updatedAtMs: t0,
    leaseOwner: null, leaseExpiresAtMs: null, leaseToken: 0, firedCount: 0, skippedCount: 0, missedCount: 0, ...patch,
  };
}

/** A created job as a release answers it: queued, or reserved for the releasing node. */
function createdAs(job: NewJob, request: ReleaseScheduleRequest): ClaimedJob {
  const { id, task: taskName, data, origin, scheduleId, fireAtMs, priority, runAtMs, createdAtMs, dedupeKey, maxAttempts } = job;
  return {
    id, task: taskName, data, origin, scheduleId, fireAtMs, priority, runAtMs, createdAtMs, dedupeKey, maxAttempts, attempt: 1,
    status: request.reserve ? 'reserved' : 'queued',
    fencingToken: request.reserve ? 1 : 0,
    leaseExpiresAtMs: request.reserve ? runAtMs + request.reserve.leaseMs : null,
  };
}

/**
 * Just the two store calls the firer makes: hands out the given schedules (lease tokens 11, 12, …)
 * and answers each release with `released` and the jobs it asked for, as a store would create them.
 */
function fakeStore(acquired: Array<{ schedule: ScheduleRecord; activeJobs?: number }>, released = true) {
  const calls = {
    acquire: [] as AcquireSchedulesRequest[],
    release: [] as ReleaseScheduleRequest[][],
    update: [] as Array<[string, Partial<ScheduleRecord>, number]>,
  };
  const store = {
    async updateSchedule(id: string, patch: Partial<ScheduleRecord>, nowMs: number) {
      calls.update.push([id, patch, nowMs]);
      return null;
    },
    async acquireDueSchedules(request: AcquireSchedulesRequest) {
      calls.acquire.push(request);
      return acquired.map(({ schedule: s, activeJobs = 0 }, index) => ({ schedule: s, leaseToken: 11 + index, activeJobs }));
    },
    async releaseSchedules(requests: readonly ReleaseScheduleRequest[]) {
      calls.release.push([...requests]);
      return requests.map((request) => ({
        scheduleId: request.scheduleId,
        released,
        created: released ? request.jobs.map((job: NewJob) => createdAs(job, request)) : [],
      }));
    },
  };
  return { store: store as unknown as Store, calls };
}

interface Budget {
  reservable?: number;
  perInstant?: number | null;
  reservedAt?: (atMs: number) => number;
}

function firer(store: Store, nowMs: number, reserve: { horizonMs: number; leaseMs: number } | null = null, budget: Budget = {}) {
  const events = new SchedulerEventEmitter();
  const seen: Array<{ name: SchedulerEventName; payload: unknown }> = [];
  for (const name of ['record.quarantined', 'schedule.fired', 'job.enqueued', 'schedule.missed', 'schedule.skipped', 'schedule.ended'] as const) {
    events.on(name, (payload) => seen.push({ name, payload }));
  }
  const registry = new TaskRegistry([task('report', { retry: { attempts: 5 }, run: () => undefined })]);
  const ctx = {
    store, clock: new VirtualClock(nowMs), nodeId: 'node-1', registry, events, scheduleLeaseMs: 4_000, batchSize: 25,
    horizonMs: reserve?.horizonMs ?? 0, reserveLeaseMs: reserve?.leaseMs ?? null,
    reservable: () => budget.reservable ?? 100, perInstant: () => budget.perInstant ?? null, reservedAt: budget.reservedAt ?? (() => 0),
  };
  return { ctx, seen };
}

describe('fireDueSchedules', () => {
  it('leases due schedules as this node, then releases each with its plan and one job per fire to run', async () => {
    const nowMs = t0 + 2 * minute + 5;
    const { store, calls } = fakeStore([{ schedule: schedule({}) }]);
    const { ctx } = firer(store, nowMs);
    expect(await fireDueSchedules(ctx)).toEqual({ handled: 1, idle: 0, reserved: [] });
    expect(calls.acquire).toEqual([{ nodeId: 'node-1', nowMs, leaseMs: 4_000, limit: 25 }]);
    expect(calls.release).toHaveLength(1);
    const [release] = calls.release[0]!;
    expect(release).toEqual({
      scheduleId: 's1', leaseToken: 11, nowMs, nextFireAtMs: t0 + 3 * minute, lastFireAtMs: t0 + 2 * minute,
      jobs: expect.any(Array), skipped: 0, missed: 0, end: false,
    });
    expect(release!.jobs.map(({ id: _id, ...job }) => job)).toEqual([0, 1, 2].map((k) => ({
      task: 'report', data: { region: 'eu' }, origin: 'schedule', scheduleId: 's1', fireAtMs: t0 + k * minute, priority: 7,
      runAtMs: t0 + k * minute, maxAttempts: 5, dedupeKey: null, createdAtMs: nowMs,
    })));
    expect(new Set(release!.jobs.map((job) => job.id)).size).toBe(3);
    expect(release!.jobs.every((job) => idTimeMs(job.id) === nowMs)).toBe(true);
  });

  it("gives a job the task's attempts, or the default 3 for a task this node does not know", async () => {
    const { store, calls } = fakeStore([{ schedule: schedule({ id: 'known' }) }, { schedule: schedule({ id: 'unknown', task: 'elsewhere' }) }]);
    await fireDueSchedules(firer(store, t0).ctx);
    expect(calls.release[0]!.map((release) => [release.scheduleId, release.leaseToken, release.jobs[0]?.maxAttempts])).toEqual([
      ['known', 11, 5],
      ['unknown', 12, 3],
    ]);
  });

  it("delays each job of a jittered trigger by its fire's offset; a date trigger has none", async () => {
    const jittered = schedule({ id: 'jittered', trigger: every('1m', { startAt: t0, jitter: '30s' }) });
    const once = schedule({ id: 'once', trigger: at(t0), nextFireAtMs: t0 });
    const { store, calls } = fakeStore([{ schedule: jittered }, { schedule: once }]);
    await fireDueSchedules(firer(store, t0 + minute).ctx);
    const [first, second] = calls.release[0]!;
    expect(first!.jobs.map((job) => job.runAtMs - job.fireAtMs!)).toEqual([jitterOffsetMs('jittered', t0, 30_000), jitterOffsetMs('jittered', t0 + minute, 30_000)]);
    expect(first!.jobs.every((job) => job.runAtMs > job.fireAtMs!)).toBe(true);
    expect(second!.jobs.map((job) => job.runAtMs)).toEqual([t0]);
    expect(second!.end).toBe(true);
  });

  it('emits fired and enqueued for each created job, then missed, coalesced, skipped and ended', async () => {
    const late = schedule({ id: 'late', coalesce: 'latest', misfireGraceMs: 90_000, trigger: every('1m', { startAt: t0, endAt: t0 + 3 * minute }) });
    const busy = schedule({ id: 'busy', maxRunning: 1 });
    const { store, calls } = fakeStore([{ schedule: late }, { schedule: busy, activeJobs: 1 }]);
    const { ctx, seen } = firer(store, t0 + 3 * minute);
    await fireDueSchedules(ctx);
    const job = calls.release[0]![0]!.jobs[0]!;
    expect(seen.map(({ name }) => name)).toEqual(['schedule.fired', 'job.enqueued', 'schedule.missed', 'schedule.missed', 'schedule.ended', 'schedule.skipped']);
    const snapshot = {
      id: job.id, task: job.task, data: job.data, origin: 'schedule', scheduleId: 'late', fireAtMs: t0 + 3 * minute, status: 'queued',
      priority: 7, runAtMs: t0 + 3 * minute, createdAtMs: t0 + 3 * minute, dedupeKey: null, attempt: 0, maxAttempts: 5, fencingToken: 0,
      nodeId: null, startedAtMs: null, finishedAtMs: null, result: null, error: null,
    };
    expect(seen[0]!.payload).toEqual({ scheduleId: 'late', fireAtMs: t0 + 3 * minute, job: snapshot });
    expect(seen[1]!.payload).toEqual({ job: snapshot });
    expect(seen.slice(2).map(({ payload }) => payload)).toEqual([
      { scheduleId: 'late', task: 'report', fireAtMs: [t0, t0 + minute], reason: 'misfire-grace' },
      { scheduleId: 'late', task: 'report', fireAtMs: [t0 + 2 * minute], reason: 'coalesced' },
      { scheduleId: 'late', reason: 'trigger-exhausted' },
      { scheduleId: 'busy', task: 'report', fireAtMs: [t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute], activeJobs: 1, maxRunning: 1 },
    ]);
    expect(calls.release[0]!.map(({ skipped, missed, end }) => ({ skipped, missed, end }))).toEqual([
      { skipped: 0, missed: 3, end: true },
      { skipped: 4, missed: 0, end: false },
    ]);
  });

  it('emits nothing for a schedule the store did not release (the lease ran out meanwhile)', async () => {
    const { store } = fakeStore([{ schedule: schedule({ misfireGraceMs: 1, coalesce: 'latest' }) }], false);
    const { ctx, seen } = firer(store, t0 + 5 * minute);
    expect(await fireDueSchedules(ctx)).toEqual({ handled: 1, idle: 0, reserved: [] });
    expect(seen).toEqual([]);
  });

  it('with a look-ahead, reserves the due fires and those ahead for this node; only the fires ahead carry their policies to their start', async () => {
    const nowMs = t0 + 30_000;
    const busy = schedule({ id: 'busy', maxRunning: 1, misfireGraceMs: 5_000, trigger: every('10s', { startAt: t0 }), nextFireAtMs: t0 + 30_000 });
    const elsewhere = schedule({ id: 'elsewhere', task: 'other-task', trigger: every('10s', { startAt: t0 }), nextFireAtMs: t0 + 30_000 });
    const { store, calls } = fakeStore([{ schedule: busy, activeJobs: 2 }, { schedule: elsewhere }]);
    const { ctx } = firer(store, nowMs, { horizonMs: 15_000, leaseMs: 3_000 });
    const { handled, reserved } = await fireDueSchedules(ctx);
    expect(handled).toBe(2);
    expect(calls.acquire[0]).toEqual({ nodeId: 'node-1', nowMs, leaseMs: 4_000, limit: 25, horizonMs: 15_000 });
    const [busyRelease, elsewhereRelease] = calls.release[0]!;
    // Due: the fire at +30 s (its overlap judged now: 2 active, so skipped); ahead, up to +45 s: +40 s.
    expect(busyRelease!.jobs.map((job) => job.fireAtMs)).toEqual([t0 + 40_000]);
    expect(busyRelease!.skipped).toBe(1);
    expect(busyRelease!.nextFireAtMs).toBe(t0 + 50_000);
    expect(busyRelease!.lastFireAtMs).toBe(t0 + 40_000);
    expect(busyRelease!.reserve).toEqual({ nodeId: 'node-1', leaseMs: 3_000 });
    // Another task's fires are created queued, for the nodes that run it (routing).
    expect(elsewhereRelease!.reserve).toBeUndefined();
    expect(reserved.map(({ claimed, fire }) => [claimed.scheduleId, claimed.fireAtMs, claimed.status, fire])).toEqual([
      ['busy', t0 + 40_000, 'reserved', { maxRunning: 1, misfireGraceMs: 5_000, foreignActive: 2 }],
    ]);
  });

  it('pauses an unreadable schedule instead of planning it, and gives its lease back with its fire times unchanged', async () => {
    const nowMs = t0 + 2 * minute;
    const badData = schedule({ id: 'bad-data', nextFireAtMs: t0 + minute, lastFireAtMs: t0, unreadable: [{ field: 'data', reason: 'not JSON' }] });
    const badNext = schedule({ id: 'bad-next', unreadable: [{ field: 'trigger', reason: 'no type' }, { field: 'nextFireAtMs', reason: 'NaN' }] });
    const badLast = schedule({ id: 'bad-last', unreadable: [{ field: 'lastFireAtMs', reason: 'NaN' }] });
    const { store, calls } = fakeStore([{ schedule: badData }, { schedule: schedule({}) }, { schedule: badNext }, { schedule: badLast }]);
    const { ctx, seen } = firer(store, nowMs);
    expect((await fireDueSchedules(ctx)).handled).toBe(4);

    expect(calls.update).toEqual(['bad-data', 'bad-next', 'bad-last'].map((id) => [id, { paused: true }, nowMs]));
    const quarantined = seen.filter(({ name }) => name === 'record.quarantined').map(({ payload }) => payload);
    expect(quarantined).toEqual([badData, badNext, badLast].map(({ id, unreadable }) => ({
      kind: 'schedule', id, unreadable, error: expect.any(CorruptRecordError),
    })));
    expect(quarantined.map((payload) => (payload as { error: Error }).error.message)).toEqual(
      [badData, badNext, badLast].map(({ id, unreadable }) => corruptRecordError('schedule', id, unreadable!).message),
    );
    // First the quarantined release (only the one whose fire times could be read), then the plans.
    expect(calls.release).toHaveLength(2);
    expect(calls.release[0]).toEqual([{
      scheduleId: 'bad-data', leaseToken: 11, nowMs, nextFireAtMs: t0 + minute, lastFireAtMs: t0, jobs: [], skipped: 0, missed: 0, end: false,
    }]);
    expect(calls.release[1]!.map(({ scheduleId, leaseToken, jobs }) => [scheduleId, leaseToken, jobs.length])).toEqual([['s1', 12, 3]]);
    expect(seen.filter(({ name }) => name === 'schedule.fired').map(({ payload }) => (payload as { scheduleId: string }).scheduleId)).toEqual(['s1', 's1', 's1']);
  });

  it('makes no quarantine release when no leased schedule is unreadable, or none can be given back', async () => {
    const clean = fakeStore([{ schedule: schedule({}) }]);
    await fireDueSchedules(firer(clean.store, t0).ctx);
    expect(clean.calls.update).toEqual([]);
    expect(clean.calls.release.map((requests) => requests.map(({ scheduleId }) => scheduleId))).toEqual([['s1']]);

    const lost = fakeStore([{ schedule: schedule({ id: 'lost', unreadable: [{ field: 'nextFireAtMs', reason: 'NaN' }] }) }]);
    const { ctx, seen } = firer(lost.store, t0);
    expect((await fireDueSchedules(ctx)).handled).toBe(1);
    expect(lost.calls.update).toEqual([['lost', { paused: true }, t0]]);
    expect(seen.map(({ name }) => name)).toEqual(['record.quarantined']);
    expect(lost.calls.release).toEqual([[]]);
  });

  describe('how much a node reserves', () => {
    const ahead = { horizonMs: 15_000, leaseMs: 3_000 };
    const nowMs = t0 + 30_000;
    /** A one-shot schedule due at `atMs` (within the look-ahead of `nowMs`). */
    const oneShot = (id: string, atMs = t0 + 40_000) => ({ schedule: schedule({ id, trigger: at(atMs), nextFireAtMs: atMs }) });
    const reservedIds = (requests: readonly ReleaseScheduleRequest[]) => requests.filter((r) => r.reserve !== undefined).map((r) => r.scheduleId);

    it('beside other nodes, no more per instant than its slots, counting what it holds for that instant already', async () => {
      const { store, calls } = fakeStore([oneShot('a'), oneShot('b'), oneShot('c'), oneShot('d', t0 + 41_000)]);
      const held = new Map([[t0 + 40_000, 1]]);
      await fireDueSchedules(firer(store, nowMs, ahead, { perInstant: 3, reservedAt: (atMs) => held.get(atMs) ?? 0 }).ctx);
      // One held already at +40 s: two more fit there; +41 s is another instant.
      expect(reservedIds(calls.release[0]!)).toEqual(['a', 'b', 'd']);
      expect(calls.release[0]!.map((r) => r.jobs.length)).toEqual([1, 1, 1, 1]);
    });

    it("reserves a schedule's fires all or none: every instant must have room", async () => {
      const twice = schedule({ id: 'twice', trigger: every('5s', { startAt: t0 + 40_000 }), nextFireAtMs: t0 + 40_000 });
      const { store, calls } = fakeStore([{ schedule: twice }]);
      const full = new Map([[t0 + 45_000, 2]]);
      await fireDueSchedules(firer(store, nowMs, ahead, { perInstant: 2, reservedAt: (atMs) => full.get(atMs) ?? 0 }).ctx);
      expect(calls.release[0]![0]!.jobs.map((job) => job.fireAtMs)).toEqual([t0 + 40_000, t0 + 45_000]);
      expect(calls.release[0]![0]!.reserve).toBeUndefined();
    });

    it('no more than it may hold in all: a schedule whose fires exceed the room left is created queued', async () => {
      const pair = (id: string) => ({ schedule: schedule({ id, trigger: every('5s', { startAt: t0 + 40_000 }), nextFireAtMs: t0 + 40_000 }) });
      const { store, calls } = fakeStore([pair('first'), pair('second'), oneShot('third')]);
      await fireDueSchedules(firer(store, nowMs, ahead, { reservable: 3 }).ctx);
      // 2 fit in 3, then 1 is left: the second pair does not fit, the one-shot does.
      expect(reservedIds(calls.release[0]!)).toEqual(['first', 'third']);
    });

    it('looks ahead only when it may reserve something, and only when it runs jobs', async () => {
      const full = fakeStore([]);
      await fireDueSchedules(firer(full.store, nowMs, ahead, { reservable: 0 }).ctx);
      expect(full.calls.acquire[0]).not.toHaveProperty('horizonMs');
      const one = fakeStore([]);
      await fireDueSchedules(firer(one.store, nowMs, ahead, { reservable: 1 }).ctx);
      expect(one.calls.acquire[0]).toHaveProperty('horizonMs', 15_000);
      const notRunning = fakeStore([oneShot('a', nowMs)]);
      await fireDueSchedules(firer(notRunning.store, nowMs, null, { reservable: 5 }).ctx);
      expect(notRunning.calls.acquire[0]).not.toHaveProperty('horizonMs');
      expect(notRunning.calls.release[0]![0]!.reserve).toBeUndefined();
      expect(notRunning.calls.release[0]![0]!.jobs).toHaveLength(1);
    });

    it('asks no reservation for a release that creates no job', async () => {
      const busy = schedule({ id: 'busy', maxRunning: 1, trigger: at(nowMs), nextFireAtMs: nowMs });
      const { store, calls } = fakeStore([{ schedule: busy, activeJobs: 1 }]);
      await fireDueSchedules(firer(store, nowMs, ahead).ctx);
      expect(calls.release[0]![0]!.jobs).toEqual([]);
      expect(calls.release[0]![0]!.reserve).toBeUndefined();
    });

    it('a due fire it reserved starts as decided now; a fire ahead carries its policies to its start', async () => {
      const s = schedule({ id: 'every-10s', maxRunning: 2, misfireGraceMs: 500, trigger: every('10s', { startAt: t0 }), nextFireAtMs: nowMs });
      const { store } = fakeStore([{ schedule: s, activeJobs: 1 }]);
      const { reserved } = await fireDueSchedules(firer(store, nowMs, ahead).ctx);
      expect(reserved.map(({ claimed, fire }) => [claimed.fireAtMs, fire])).toEqual([
        [nowMs, null],
        [nowMs + 10_000, { maxRunning: 2, misfireGraceMs: 500, foreignActive: 1 }],
      ]);
    });

    it('describes a created job to listeners of job.enqueued alone: reserved by this node, no attempt yet', async () => {
      const { store } = fakeStore([oneShot('a')]);
      const events = new SchedulerEventEmitter();
      const ctx = { ...firer(store, nowMs, ahead).ctx, events };
      const enqueued: unknown[] = [];
      events.on('job.enqueued', ({ job }) => enqueued.push([job.status, job.attempt, job.nodeId, job.fencingToken]));
      await fireDueSchedules(ctx);
      expect(enqueued).toEqual([['reserved', 0, 'node-1', 1]]);
    });
  });
});
