import { describe, expect, it } from 'vitest';
import { type FirePlan, missedTotal, planFires } from '../../src/domain/fire-plan.ts';
import type { ScheduleRecord } from '../../src/domain/schedule.ts';
import { cron } from '../../src/triggers/cron.ts';
import { every } from '../../src/triggers/every.ts';
import { calendar } from '../../src/triggers/calendar.ts';

const minute = 60_000;

function schedule(patch: Partial<ScheduleRecord>): ScheduleRecord {
  return {
    id: 's1',
    task: 't',
    data: null,
    trigger: every(minute, { startAt: 0 }),
    priority: 0,
    maxRunning: null,
    misfireGraceMs: null,
    coalesce: 'all',
    catchUpLimit: 1000,
    overlap: 'skip',
    paused: false,
    nextFireAtMs: 0,
    lastFireAtMs: null,
    createdAtMs: 0,
    updatedAtMs: 0,
    leaseOwner: null,
    leaseExpiresAtMs: null,
    leaseToken: 0,
    firedCount: 0,
    skippedCount: 0,
    missedCount: 0,
    ...patch,
  };
}

const empty = { run: [], coalesced: [], missed: [], skipped: [], missedUnlisted: 0, ahead: [] };

describe('planFires', () => {
  it('not due yet: an empty plan that keeps nextFireAtMs and lastFireAtMs', () => {
    const plan = planFires({ schedule: schedule({ nextFireAtMs: 5 * minute, lastFireAtMs: 4 * minute }), nowMs: 5 * minute - 1, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({ ...empty, nextFireAtMs: 5 * minute, lastFireAtMs: 4 * minute, end: false });
  });

  it('no next fire: an empty plan that ends', () => {
    const plan = planFires({ schedule: schedule({ nextFireAtMs: null }), nowMs: 0, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({ ...empty, nextFireAtMs: null, lastFireAtMs: null, end: true });
  });

  it('one due fire runs; the next is the following grid point', () => {
    const plan = planFires({ schedule: schedule({ nextFireAtMs: 2 * minute }), nowMs: 2 * minute + 5, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({ ...empty, run: [2 * minute], nextFireAtMs: 3 * minute, lastFireAtMs: 2 * minute, end: false });
  });

  it("coalesce 'all' runs every due fire", () => {
    const plan = planFires({ schedule: schedule({ coalesce: 'all' }), nowMs: 3 * minute, activeJobs: 0 });
    expect(plan.run).toEqual([0, minute, 2 * minute, 3 * minute]);
    expect(plan.nextFireAtMs).toBe(4 * minute);
    expect(plan.lastFireAtMs).toBe(3 * minute);
  });

  it("coalesce 'latest' runs the newest and coalesces the others", () => {
    const plan = planFires({ schedule: schedule({ coalesce: 'latest' }), nowMs: 3 * minute + 10, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({
      ...empty,
      run: [3 * minute],
      coalesced: [0, minute, 2 * minute],
      nextFireAtMs: 4 * minute,
      lastFireAtMs: 3 * minute,
      end: false,
    });
    expect(missedTotal(plan)).toBe(3);
  });

  it("coalesce 'earliest' runs the oldest and coalesces the others", () => {
    const plan = planFires({ schedule: schedule({ coalesce: 'earliest' }), nowMs: 3 * minute, activeJobs: 0 });
    expect(plan.run).toEqual([0]);
    expect(plan.coalesced).toEqual([minute, 2 * minute, 3 * minute]);
    expect(plan.lastFireAtMs).toBe(3 * minute);
  });

  it('misfire grace: fires older than the grace are missed, the rest coalesce', () => {
    const plan = planFires({
      schedule: schedule({ coalesce: 'latest', misfireGraceMs: 90_000 }),
      nowMs: 3 * minute,
      activeJobs: 0,
    });
    // 3m - 0 = 180s and 3m - 1m = 120s are > 90s; 2m (60s late) and 3m (on time) are within.
    expect(plan.missed).toEqual([0, minute]);
    expect(plan.coalesced).toEqual([2 * minute]);
    expect(plan.run).toEqual([3 * minute]);
    expect(missedTotal(plan)).toBe(3);
  });

  it('misfire grace: a fire exactly at the grace is on time; all fires late runs nothing', () => {
    const onTheEdge = planFires({ schedule: schedule({ nextFireAtMs: 0, misfireGraceMs: 1000 }), nowMs: 1000, activeJobs: 0 });
    expect(onTheEdge.run).toEqual([0]);
    expect(onTheEdge.missed).toEqual([]);
    const late = planFires({ schedule: schedule({ coalesce: 'latest', misfireGraceMs: 1000 }), nowMs: 2 * minute + 1001, activeJobs: 0 });
    expect(late.run).toEqual([]);
    expect(late.coalesced).toEqual([]);
    expect(late.missed).toEqual([0, minute, 2 * minute]);
    expect(late.nextFireAtMs).toBe(3 * minute);
    expect(late.lastFireAtMs).toBe(2 * minute);
  });

  it('maxRunning 1 with one active job: the fire is skipped', () => {
    const plan = planFires({ schedule: schedule({ maxRunning: 1 }), nowMs: 0, activeJobs: 1 });
    expect(plan).toEqual<FirePlan>({ ...empty, skipped: [0], nextFireAtMs: minute, lastFireAtMs: 0, end: false });
  });

  it("maxRunning keeps the newest for 'all' and 'latest', the oldest for 'earliest'", () => {
    const all = planFires({ schedule: schedule({ maxRunning: 3, coalesce: 'all' }), nowMs: 3 * minute, activeJobs: 1 });
    expect(all.run).toEqual([2 * minute, 3 * minute]);
    expect(all.skipped).toEqual([0, minute]);

    const earliest = planFires({ schedule: schedule({ maxRunning: 1, coalesce: 'earliest' }), nowMs: 3 * minute, activeJobs: 1 });
    expect(earliest.run).toEqual([]);
    expect(earliest.skipped).toEqual([0]);

    const latest = planFires({ schedule: schedule({ maxRunning: 2, coalesce: 'latest' }), nowMs: 3 * minute, activeJobs: 1 });
    expect(latest.run).toEqual([3 * minute]);
    expect(latest.skipped).toEqual([]);

    const allEarliestFits = planFires({ schedule: schedule({ maxRunning: 2, coalesce: 'earliest' }), nowMs: minute, activeJobs: 0 });
    expect(allEarliestFits.run).toEqual([0]);
  });

  it('more active jobs than maxRunning (after a lowered limit): everything skipped', () => {
    const plan = planFires({ schedule: schedule({ maxRunning: 1, coalesce: 'all' }), nowMs: minute, activeJobs: 4 });
    expect(plan.run).toEqual([]);
    expect(plan.skipped).toEqual([0, minute]);
  });

  it('null maxRunning: no limit whatever the active jobs', () => {
    const plan = planFires({ schedule: schedule({ maxRunning: null }), nowMs: minute, activeJobs: 1000 });
    expect(plan.run).toEqual([0, minute]);
    expect(plan.skipped).toEqual([]);
  });

  it('catch-up cap (interval): keeps the newest maxCatchUp fires, counts the rest exactly', () => {
    const nowMs = 1_000_000 * minute + 30_000; // a million minutes of downtime
    const plan = planFires({ schedule: schedule({ coalesce: 'all' }), nowMs, activeJobs: 0, maxCatchUp: 5 });
    expect(plan.run).toEqual([999_996, 999_997, 999_998, 999_999, 1_000_000].map((k) => k * minute));
    expect(plan.missedUnlisted).toBe(999_996);
    expect(plan.missed).toEqual([]);
    expect(plan.nextFireAtMs).toBe(1_000_001 * minute);
    expect(plan.lastFireAtMs).toBe(1_000_000 * minute);
    expect(missedTotal(plan)).toBe(999_996);
  });

  it('catch-up cap: default 1000', () => {
    const plan = planFires({ schedule: schedule({ coalesce: 'all' }), nowMs: 5000 * minute, activeJobs: 0 });
    expect(plan.run).toHaveLength(1000);
    expect(plan.run[0]).toBe(4001 * minute);
    expect(plan.missedUnlisted).toBe(4001);
  });

  it('catch-up cap (cron): the newest fires from croner, older ones counted as far as enumerated', () => {
    const trigger = cron('* * * * *');
    const plan = planFires({
      schedule: schedule({ trigger, nextFireAtMs: 0, coalesce: 'latest' }),
      nowMs: 100 * minute + 5,
      activeJobs: 0,
      maxCatchUp: 10,
    });
    expect(plan.run).toEqual([100 * minute]);
    expect(plan.coalesced).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99].map((k) => k * minute));
    // 11 fires (0..10 min) were enumerated before the cap showed; the 80 between are not counted.
    expect(plan.missedUnlisted).toBe(11);
    expect(plan.nextFireAtMs).toBe(101 * minute);
    expect(plan.lastFireAtMs).toBe(100 * minute);
  });

  it('cron under the cap: enumerates every due fire', () => {
    const trigger = cron('*/10 * * * *');
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: 0 }), nowMs: 35 * minute, activeJobs: 0 });
    expect(plan.run).toEqual([0, 10 * minute, 20 * minute, 30 * minute]);
    expect(plan.missedUnlisted).toBe(0);
    expect(plan.nextFireAtMs).toBe(40 * minute);
  });

  it('date trigger in the past: runs once and ends', () => {
    const plan = planFires({ schedule: schedule({ trigger: { type: 'date', runAtMs: 1000 }, nextFireAtMs: 1000 }), nowMs: 5 * minute, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({ ...empty, run: [1000], nextFireAtMs: null, lastFireAtMs: 1000, end: true });
  });

  it('date trigger past its grace: missed, and the schedule ends', () => {
    const plan = planFires({
      schedule: schedule({ trigger: { type: 'date', runAtMs: 1000 }, nextFireAtMs: 1000, misfireGraceMs: minute }),
      nowMs: 5 * minute,
      activeJobs: 0,
    });
    expect(plan).toEqual<FirePlan>({ ...empty, missed: [1000], nextFireAtMs: null, lastFireAtMs: 1000, end: true });
  });

  it('interval endAt: due fires stop at endAt and the schedule ends', () => {
    const trigger = every(minute, { startAt: 0, endAt: 2 * minute });
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: minute }), nowMs: 10 * minute, activeJobs: 0 });
    expect(plan.run).toEqual([minute, 2 * minute]);
    expect(plan.nextFireAtMs).toBeNull();
    expect(plan.end).toBe(true);
  });

  it('interval endAt under the catch-up cap counts only fires up to endAt', () => {
    const trigger = every(minute, { startAt: 0, endAt: 100 * minute });
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: 0 }), nowMs: 1000 * minute, activeJobs: 0, maxCatchUp: 10 });
    expect(plan.run).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100].map((k) => k * minute));
    expect(plan.missedUnlisted).toBe(91);
    expect(plan.end).toBe(true);
  });

  it('interval: a stored next fire that a shortened endAt left behind still runs once, then the schedule ends', () => {
    // As for cron and date triggers, the stored nextFireAtMs is always due once it is reached.
    const trigger = every(minute, { startAt: 0, endAt: 2 * minute });
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: 5 * minute }), nowMs: 10 * minute, activeJobs: 0 });
    expect(plan).toEqual<FirePlan>({ ...empty, run: [5 * minute], nextFireAtMs: null, lastFireAtMs: 5 * minute, end: true });
  });

  it('catch-up cap (cron): the window ends at endAt, not at now', () => {
    const trigger = cron('* * * * *', { endAt: 50 * minute });
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: 0 }), nowMs: 100 * minute, activeJobs: 0, maxCatchUp: 10 });
    expect(plan.run).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50].map((k) => k * minute));
    expect(plan.missedUnlisted).toBe(11);
    expect(plan.lastFireAtMs).toBe(50 * minute);
    expect(plan.end).toBe(true);
  });

  it('catch-up cap (cron): enumerated fires inside the window are not counted as missed', () => {
    // 13 due fires (0..12 min), cap 10: 11 enumerated (0..10) before the cap shows, window 3..12.
    const plan = planFires({ schedule: schedule({ trigger: cron('* * * * *'), nextFireAtMs: 0 }), nowMs: 12 * minute, activeJobs: 0, maxCatchUp: 10 });
    expect(plan.run).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((k) => k * minute));
    expect(plan.missedUnlisted).toBe(3);
    expect(missedTotal(plan)).toBe(3);
  });

  it('interval without startAt: the grid continues from nextFireAtMs', () => {
    const trigger = every(minute);
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: 7_000 }), nowMs: 7_000 + 2 * minute, activeJobs: 0 });
    expect(plan.run).toEqual([7_000, 7_000 + minute, 7_000 + 2 * minute]);
    expect(plan.nextFireAtMs).toBe(7_000 + 3 * minute);
  });

  it('a calendar trigger after a downtime longer than its catch-up limit runs the newest fires and counts the rest', () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 0, 1, 9);
    const trigger = calendar({ days: 1, at: '09:00', startAt: start });
    const plan = planFires({ schedule: schedule({ trigger, nextFireAtMs: start, coalesce: 'all', catchUpLimit: 3 }), nowMs: start + 9 * day + 1, activeJobs: 0 });
    expect(plan.run).toEqual([start + 7 * day, start + 8 * day, start + 9 * day]);
    expect(plan.missedUnlisted).toBe(7);
    expect(plan.nextFireAtMs).toBe(start + 10 * day);
  });
});
