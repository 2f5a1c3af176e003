// The counting rules of the chaos runs (test/chaos/chaos-accounting.ts) on small made-up runs:
// a clean run counts nothing wrong, and each kind of damage is counted where it belongs.
import { describe, expect, test } from 'vitest';
import type { JobRecord } from '../../src/domain/job.ts';
import type { ScheduleRecord } from '../../src/domain/schedule.ts';
import { accountRun, type AccountingInput, type WorkerLogLine } from './chaos-accounting.ts';

const startAtMs = 1_000_000;
const intervalMs = 1000;

function schedule(id: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id,
    task: 'chaos-tick',
    data: null,
    trigger: { type: 'interval', everyMs: intervalMs, startAtMs, endAtMs: null, jitterMs: 0 },
    priority: 0,
    maxRunning: 1,
    misfireGraceMs: null,
    coalesce: 'latest',
    catchUpLimit: 1000,
    overlap: 'skip',
    paused: false,
    nextFireAtMs: startAtMs + 5 * intervalMs,
    lastFireAtMs: startAtMs + 4 * intervalMs,
    createdAtMs: startAtMs - 3000,
    updatedAtMs: startAtMs,
    leaseOwner: null,
    leaseExpiresAtMs: null,
    leaseToken: 5,
    firedCount: 5,
    skippedCount: 0,
    missedCount: 0,
    ...overrides,
  };
}

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    task: 'chaos-tick',
    data: null,
    origin: 'schedule',
    scheduleId: 's',
    fireAtMs: null,
    status: 'succeeded',
    priority: 0,
    runAtMs: startAtMs,
    createdAtMs: startAtMs,
    updatedAtMs: startAtMs,
    startedAtMs: startAtMs,
    finishedAtMs: startAtMs,
    attempt: 1,
    maxAttempts: 20,
    dedupeKey: null,
    leaseOwner: null,
    leaseExpiresAtMs: null,
    fencingToken: 1,
    cancelRequested: false,
    result: null,
    error: null,
    attempts: [{ attempt: 1, nodeId: 'n0.1', fencingToken: 1, startedAtMs: startAtMs, finishedAtMs: startAtMs, outcome: 'succeeded', error: null }],
    ...overrides,
  };
}

/** A handler run: start and end lines (and the ack) under a token. */
function ran(jobId: string, token: number, options: { end?: boolean; acked?: boolean } = {}): WorkerLogLine[] {
  const lines: WorkerLogLine[] = [{ e: 'start', node: 'n0.1', t: startAtMs, job: jobId, tok: token }];
  if (options.end ?? true) lines.push({ e: 'end', node: 'n0.1', t: startAtMs, job: jobId, tok: token });
  if (options.acked ?? options.end ?? true) lines.push({ e: 'acked', node: 'n0.1', t: startAtMs, job: jobId, tok: token });
  return lines;
}

/** Schedule `s` fired 5 times (one job each, all run), plus one acknowledged on-demand job. */
function cleanRun(): AccountingInput {
  const fireJobs = Array.from({ length: 5 }, (_, k) => job(`f${k}`, { fireAtMs: startAtMs + k * intervalMs }));
  const onDemand = job('j1', { origin: 'enqueue', scheduleId: null });
  return {
    intervalMs,
    startAtMs,
    scheduleIds: ['s'],
    schedules: [schedule('s')],
    jobs: [...fireJobs, onDemand],
    lines: [...fireJobs, onDemand].flatMap((j) => ran(j.id, 1)),
    acknowledged: ['j1'],
    faultsEndMs: startAtMs + 4 * intervalMs,
    settledAtMs: startAtMs + 4 * intervalMs + 500,
    stuckAtSettle: [],
  };
}

describe('chaos accounting', () => {
  test('a clean run counts every fire once and nothing wrong', () => {
    const counts = accountRun(cleanRun());
    expect(counts.fires).toEqual({ expected: 5, jobs: 5, missed: 0, skipped: 0, lost: 0, overCounted: 0, lagging: 0 });
    expect(counts.problems).toEqual({});
    expect(counts.acknowledged).toEqual({ total: 1, succeeded: 1, lost: 0, notDone: 0 });
  });

  test('fires counted as missed or skipped are accounted for; a fire with neither a job nor a count is lost', () => {
    const input = cleanRun();
    // The fires at +3 s and +4 s have no job: one was coalesced (missedCount), one vanished.
    const jobs = input.jobs.filter((j) => j.fireAtMs !== startAtMs + 3000 && j.fireAtMs !== startAtMs + 4000);
    const counts = accountRun({ ...input, jobs, schedules: [schedule('s', { missedCount: 1, firedCount: 3 })] });
    expect(counts.fires).toMatchObject({ expected: 5, jobs: 3, missed: 1, lost: 1, overCounted: 0 });
    expect(counts.problems['lost fires']).toContain('no job nor event line for +3000, +4000 ms');
  });

  test('a fire both run and counted, or a schedule behind, is flagged', () => {
    const input = cleanRun();
    expect(accountRun({ ...input, schedules: [schedule('s', { skippedCount: 1 })] }).fires.overCounted).toBe(1);
    const behind = accountRun({ ...input, settledAtMs: startAtMs + 8000 });
    expect(behind.fires.lagging).toBe(3); // +5, +6 and +7 s were due a second before the end; the schedule still says +5 s
  });

  test('firedCount must match the jobs in the store, and a schedule must not vanish', () => {
    const input = cleanRun();
    expect(accountRun({ ...input, schedules: [schedule('s', { firedCount: 6 })] }).scheduleDefects).toBe(1);
    expect(accountRun({ ...input, schedules: [] }).scheduleDefects).toBe(1);
  });

  test('two jobs for one fire are duplicates', () => {
    const input = cleanRun();
    const twin = job('f0-twin', { fireAtMs: startAtMs });
    const counts = accountRun({ ...input, jobs: [...input.jobs, twin], lines: [...input.lines, ...ran('f0-twin', 1)] });
    expect(counts.duplicates.jobsPerFire).toBe(1);
  });

  test('a re-run after an unacknowledged end is counted as a re-run; after an acknowledged success it is a duplicate', () => {
    const input = cleanRun();
    const twice = job('j1', { origin: 'enqueue', scheduleId: null, fencingToken: 2, attempt: 2 });
    const jobs = [...input.jobs.filter((j) => j.id !== 'j1'), twice];
    const others = input.lines.filter((line) => line.job !== 'j1');

    const rerun = accountRun({ ...input, jobs, lines: [...others, ...ran('j1', 1, { acked: false }), ...ran('j1', 2)] });
    expect(rerun.reruns).toEqual({ jobs: 1, extraRuns: 1, interruptedAttempts: 0 });
    expect(rerun.duplicates.runsAfterSuccess).toBe(0);

    const duplicate = accountRun({ ...input, jobs, lines: [...others, ...ran('j1', 1), ...ran('j1', 2)] });
    expect(duplicate.duplicates.runsAfterSuccess).toBe(1);

    const afterFinal = accountRun({ ...input, lines: [...input.lines, ...ran('j1', 2, { end: false })] });
    expect(afterFinal.duplicates.runsAfterSuccess).toBe(1); // started under a token above the one it succeeded under

    const killed = accountRun({ ...input, jobs, lines: [...others, ...ran('j1', 1, { end: false }), ...ran('j1', 2)] });
    expect(killed.reruns).toEqual({ jobs: 0, extraRuns: 0, interruptedAttempts: 1 });
  });

  test('a success with no handler run under its token is a phantom', () => {
    const input = cleanRun();
    const counts = accountRun({ ...input, lines: input.lines.filter((line) => !(line.job === 'j1' && line.e === 'end')) });
    expect(counts.duplicates.phantomSuccesses).toBe(1);
  });

  test('acknowledged jobs missing or unfinished, unfinished fires and stuck leases are counted', () => {
    const input = cleanRun();
    const running = job('j1', { origin: 'enqueue', scheduleId: null, status: 'running', leaseOwner: 'n2.1' });
    const stuckFire = job('f2', { fireAtMs: startAtMs + 2000, status: 'running', leaseOwner: 'n2.1' });
    const jobs = input.jobs.map((j) => (j.id === 'j1' ? running : j.id === 'f2' ? stuckFire : j));
    const counts = accountRun({ ...input, jobs, acknowledged: ['j1', 'j-never-stored'], stuckAtSettle: [running, stuckFire] });
    expect(counts.acknowledged).toEqual({ total: 2, succeeded: 0, lost: 1, notDone: 1 });
    expect(counts.scheduleJobsNotDone).toBe(1);
    expect(counts.stuck).toBe(2);
  });
});
