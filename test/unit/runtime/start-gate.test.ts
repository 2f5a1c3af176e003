import { describe, expect, it } from 'vitest';
import { HeldJob, type FirePolicy } from '../../../src/runtime/held-job.ts';
import { startGate } from '../../../src/runtime/start-gate.ts';
import type { ClaimedJob } from '../../../src/store/store.ts';

const t0 = Date.UTC(2026, 0, 1);

/** A fire of schedule `s` at t0, reserved by this node with a lease until t0 + 3 s. */
function held(fire: FirePolicy | null, patch: Partial<ClaimedJob> = {}): HeldJob {
  const claimed: ClaimedJob = {
    id: 'job-1', task: 'tick', data: null, origin: 'schedule', scheduleId: 's', fireAtMs: t0, priority: 0, runAtMs: t0,
    createdAtMs: t0 - 2_000, dedupeKey: null, status: 'reserved', attempt: 1, maxAttempts: 3, fencingToken: 1, leaseExpiresAtMs: t0 + 3_000,
    ...patch,
  };
  return new HeldJob(claimed, fire, t0 - 2_000);
}

const policy = (patch: Partial<FirePolicy> = {}): FirePolicy => ({ maxRunning: 1, misfireGraceMs: 1_000, foreignActive: 0, ...patch });
const none = () => 0;

describe('startGate: what a held job does when its turn to start comes', () => {
  it('starts a job without a fire policy, or not of a schedule, whatever runs', () => {
    expect(startGate(held(null), t0, () => 5)).toEqual({ kind: 'start' });
    expect(startGate(held(policy(), { scheduleId: null }), t0, () => 5)).toEqual({ kind: 'start' });
    expect(startGate(held(policy(), { fireAtMs: null }), t0, () => 5)).toEqual({ kind: 'start' });
  });

  it('drops a job outside the lease it last confirmed, or aborted; at the lease end exactly, too', () => {
    expect(startGate(held(null), t0 + 2_999, none)).toEqual({ kind: 'start' });
    expect(startGate(held(null), t0 + 3_000, none)).toEqual({ kind: 'drop' });
    const aborted = held(null);
    aborted.abort(new Error('lease lost'));
    expect(startGate(aborted, t0, none)).toEqual({ kind: 'drop' });
  });

  it('ends a cancelled job as cancelled, before judging its fire', () => {
    const job = held(policy({ misfireGraceMs: 0 }));
    job.cancelRequested = true;
    expect(startGate(job, t0 + 500, none)).toEqual({ kind: 'cancel' });
  });

  it('misses a fire started later than its grace; at the grace exactly it still starts', () => {
    expect(startGate(held(policy({ misfireGraceMs: 1_000 })), t0 + 1_000, none)).toEqual({ kind: 'start' });
    expect(startGate(held(policy({ misfireGraceMs: 1_000 })), t0 + 1_001, none)).toEqual({ kind: 'discard', countAs: 'missed' });
    expect(startGate(held(policy({ misfireGraceMs: null })), t0 + 2_999, () => 0)).toEqual({ kind: 'start' });
  });

  it('with no maxRunning, starts however many of its schedule run', () => {
    expect(startGate(held(policy({ maxRunning: null, foreignActive: 9 })), t0, () => 9)).toEqual({ kind: 'start' });
  });

  it('skips a fire while maxRunning of its schedule run here; one fewer and it starts', () => {
    expect(startGate(held(policy({ maxRunning: 2 })), t0, () => 2)).toEqual({ kind: 'discard', countAs: 'skipped' });
    expect(startGate(held(policy({ maxRunning: 2 })), t0, () => 3)).toEqual({ kind: 'discard', countAs: 'skipped' });
    expect(startGate(held(policy({ maxRunning: 2 })), t0, () => 1)).toEqual({ kind: 'start' });
  });

  it('asks the store when jobs elsewhere, added to those here, reach maxRunning; judged on the store’s count, it skips', () => {
    expect(startGate(held(policy({ maxRunning: 3, foreignActive: 1 })), t0, () => 1)).toEqual({ kind: 'start' });
    expect(startGate(held(policy({ maxRunning: 3, foreignActive: 2 })), t0, () => 1)).toEqual({ kind: 'check' });
    expect(startGate(held(policy({ maxRunning: 3, foreignActive: 1 })), t0, () => 2)).toEqual({ kind: 'check' });
    expect(startGate(held(policy({ maxRunning: 3, foreignActive: 2, foreignChecked: true })), t0, () => 1)).toEqual({ kind: 'discard', countAs: 'skipped' });
    expect(startGate(held(policy({ maxRunning: 3, foreignActive: 1, foreignChecked: true })), t0, () => 1)).toEqual({ kind: 'start' });
  });

  it('counts the schedule of the job itself', () => {
    const seen: string[] = [];
    startGate(held(policy({ maxRunning: 1 }), { scheduleId: 'nightly' }), t0, (id) => (seen.push(id), 0));
    expect(seen).toEqual(['nightly']);
  });
});
