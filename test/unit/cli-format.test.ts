import { snapshotOf } from '../../src/domain/job.ts';
import { describe, expect, it } from 'vitest';
import { describeTrigger, formatJobDetail, formatJobTable, formatScheduleTable, shortId } from '../../src/cli/format-records.ts';
import { formatTable } from '../../src/cli/format-table.ts';
import { formatClockTime, formatLocalTime, formatRelative, formatSpan, formatTime } from '../../src/cli/format-time.ts';
import { formatEventLine } from '../../src/cli/demo/event-line.ts';
import { parseStatuses } from '../../src/cli/commands/jobs-ls.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import type { ScheduleRecord } from '../../src/domain/schedule.ts';

// Built from local date parts, so the expectations hold in any TZ.
const nowMs = new Date(2026, 10, 23, 7, 1, 5, 123).getTime();

describe('time formatting', () => {
  it('writes local ISO-like date-times and clock times', () => {
    expect(formatLocalTime(nowMs)).toBe('2026-11-23 07:01:05');
    expect(formatClockTime(nowMs)).toBe('07:01:05.123');
  });

  it.each([
    [950, '950ms'],
    [4_000, '4s'],
    [59_999, '59s'],
    [180_000, '3m'],
    [200_000, '3m 20s'],
    [5 * 3_600_000 + 120_000, '5h 2m'],
    [47 * 3_600_000, '47h'],
    [76 * 3_600_000, '3d 4h'],
  ])('formatSpan(%d) is %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });

  it('says in 4s, 3m ago, now', () => {
    expect(formatRelative(nowMs + 4_000, nowMs)).toBe('in 4s');
    expect(formatRelative(nowMs - 180_000, nowMs)).toBe('3m ago');
    expect(formatRelative(nowMs + 400, nowMs)).toBe('now');
    expect(formatTime(nowMs + 4_000, nowMs)).toBe('2026-11-23 07:01:09 (in 4s)');
    expect(formatTime(null, nowMs)).toBe('-');
  });
});

describe('formatTable', () => {
  it('aligns columns under an upper-case header without trailing spaces', () => {
    const text = formatTable(['id', 'task', 'state'], [['a', 'heartbeat', 'active'], ['long-id', 'x', '']]);
    expect(text.split('\n')).toEqual(['ID       TASK       STATE', 'a        heartbeat  active', 'long-id  x']);
  });
});

function schedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id: 'heartbeat-every-3s', task: 'heartbeat', data: null,
    trigger: { type: 'interval', everyMs: 3_000, startAtMs: null, endAtMs: null, jitterMs: 0 },
    priority: 0, maxRunning: 1, misfireGraceMs: null, coalesce: 'latest', catchUpLimit: 1000, overlap: 'skip', paused: false,
    nextFireAtMs: nowMs + 4_000, lastFireAtMs: nowMs - 180_000, createdAtMs: nowMs - 600_000, updatedAtMs: nowMs,
    leaseOwner: null, leaseExpiresAtMs: null, leaseToken: 0, firedCount: 7, skippedCount: 1, missedCount: 0,
    ...overrides,
  };
}

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: '01a20733-c1a0-77c4-aaf3-04e6f289d5e5', task: 'flaky-sync', data: { n: 1 }, origin: 'schedule',
    scheduleId: 'flaky-sync-every-15s', fireAtMs: nowMs - 10_000, status: 'failed', priority: 0,
    runAtMs: nowMs + 1_000, createdAtMs: nowMs - 10_000, updatedAtMs: nowMs, startedAtMs: nowMs - 9_000,
    finishedAtMs: null, attempt: 1, maxAttempts: 3, dedupeKey: null, leaseOwner: null, leaseExpiresAtMs: null,
    fencingToken: 1, cancelRequested: false, result: null,
    error: { name: 'Error', message: 'upstream timed out', stack: 'Error: upstream timed out\n    at run (demo.ts:1:1)' },
    attempts: [
      {
        attempt: 1, nodeId: 'vm:1:ab', fencingToken: 1, startedAtMs: nowMs - 9_000, finishedAtMs: nowMs - 8_988,
        outcome: 'failed', error: { name: 'Error', message: 'upstream timed out' },
      },
    ],
    ...overrides,
  };
}

describe('record formatting', () => {
  it('describes triggers', () => {
    expect(describeTrigger({ type: 'interval', everyMs: 15_000, startAtMs: null, endAtMs: null, jitterMs: 0 })).toBe('every 15s');
    expect(describeTrigger({ type: 'cron', expr: '*/10 * * * * *', tz: null, startAtMs: null, endAtMs: null, jitterMs: 0 })).toBe(
      'cron */10 * * * * * (UTC)',
    );
    expect(describeTrigger({ type: 'date', runAtMs: nowMs })).toBe('at 2026-11-23 07:01:05');
  });

  it('lists schedules with state, next and last fire, and counters', () => {
    const lines = formatScheduleTable([schedule(), schedule({ id: 'b', paused: true })], nowMs).split('\n');
    expect(lines[0]).toMatch(/^ID\s+TASK\s+TRIGGER\s+STATE\s+NEXT FIRE\s+LAST FIRE\s+FIRED\s+SKIPPED\s+MISSED$/);
    expect(lines[1]).toMatch(/heartbeat-every-3s\s+heartbeat\s+every 3s\s+active\s+2026-11-23 07:01:09 \(in 4s\)\s+.*\(3m ago\)\s+7\s+1\s+0/);
    expect(lines[2]).toMatch(/^b\s+heartbeat\s+every 3s\s+paused\s+-\s+/);
    expect(formatScheduleTable([], nowMs)).toBe('No schedules.');
  });

  it('lists jobs with their attempt count', () => {
    const lines = formatJobTable([job()], nowMs).split('\n');
    expect(lines[1]).toMatch(/01a20733-c1a0-77c4-aaf3-04e6f289d5e5\s+flaky-sync\s+failed\s+1\/3\s+schedule\s+flaky-sync-every-15s\s+.*\(in 1s\)\s+-$/);
    expect(formatJobTable([], nowMs)).toBe('No jobs.');
  });

  it('shows a job with its attempts timeline, error and stack', () => {
    const text = formatJobDetail(job(), nowMs);
    expect(text).toContain('attempt        1 of 3');
    expect(text).toMatch(/#1 {2}2026-11-23 07:00:56 \(9s ago\) {2}failed after 12ms {2}on vm:1:ab \(token 1\)/);
    expect(text).toContain('Error\n  Error: upstream timed out\n  at run (demo.ts:1:1)');
  });

  it('shortens ids to their last 8 characters', () => {
    expect(shortId('01a20733-c1a0-77c4-aaf3-04e6f289d5e5')).toBe('f289d5e5');
    expect(shortId('abc')).toBe('abc');
  });

  it('reads --status lists and refuses unknown statuses', () => {
    expect(parseStatuses('failed, dead')).toEqual(['failed', 'dead']);
    expect(() => parseStatuses('failed,bogus')).toThrow(/Expected `--status` to be one or more of waiting, queued, reserved, running/);
    expect(() => parseStatuses(',')).toThrow(/--status/);
  });
});

describe('demo event lines', () => {
  it('prints a failed attempt with its retry time', () => {
    const line = formatEventLine('job.failed', { job: snapshotOf(job()), error: job().error!, retryAtMs: nowMs + 1_000 }, nowMs);
    expect(line).toBe(
      '07:01:05.123  job.failed      flaky-sync  job f289d5e5  attempt 1/3  Error: upstream timed out — retry at 07:01:06.123 (in 1s)',
    );
  });

  it('prints a success with its duration, and skips the enqueue of a schedule fire', () => {
    const succeeded = job({ task: 'heartbeat', status: 'succeeded', attempt: 1 });
    expect(formatEventLine('job.succeeded', { job: snapshotOf(succeeded), result: null, durationMs: 2 }, nowMs)).toMatch(
      /job\.succeeded\s+heartbeat\s+job f289d5e5 {2}attempt 1\/3 {2}in 2ms$/,
    );
    expect(formatEventLine('job.enqueued', { job: snapshotOf(job()) }, nowMs)).toBeNull();
    expect(formatEventLine('schedule.missed', { scheduleId: 's', task: 't', fireAtMs: [1, 2], reason: 'coalesced' }, nowMs)).toMatch(
      /schedule s: 2 fire\(s\) missed \(coalesced\)$/,
    );
  });
});
